// One flag style for every verb: the underscore spelling (the recipe keys') is what `--help`
// shows, and the dashed spelling means the same; only option names are rewritten, never values.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <string>

#include "support/hone_cli.h"

namespace {

using hone::testing::run_hone;

std::string data(const std::string& path) {
  std::string out = "'";
  out.append(HONE_TEST_DATA_DIR).append("/").append(path).append("'");
  return out;
}

std::string stdout_of(const std::string& arguments) {
  const hone::testing::CliResult r = run_hone(arguments, /*with_stderr=*/false);
  EXPECT_EQ(r.exit_code, 0) << arguments << "\n" << run_hone(arguments).output;
  return r.output;
}

// The verbs `hone --help` lists (the lines of its Subcommands section).
std::set<std::string> verbs() {
  const std::string help = stdout_of("--help");
  std::set<std::string> out;
  const auto section = help.find("Subcommands:");
  EXPECT_NE(section, std::string::npos) << help;
  const std::regex line(R"(\n  ([a-z][a-z-]*) )");
  for (auto it = std::sregex_iterator(help.begin() + std::ptrdiff_t(section), help.end(), line);
       it != std::sregex_iterator(); ++it)
    out.insert((*it)[1]);
  return out;
}

// The generated ids (the JSON also carries timings).
nlohmann::json generated_ids(const std::string& arguments) {
  const std::string out = stdout_of(arguments);
  const auto json = nlohmann::json::parse(out, nullptr, false);
  EXPECT_FALSE(json.is_discarded()) << out;
  return json.is_discarded() ? nlohmann::json() : json["ids"];
}

TEST(FlagStyle, DashedAndUnderscoreSpellingsMeanTheSame) {
  const std::string gen = "generate --model " + data("models/llama_gqa") + " --json --temperature 0.8 --seed 3 ";
  const nlohmann::json canonical = generated_ids(gen + "--prompt_ids 1,17,42 --max_new_tokens 5 --top_k 7 --top_p 0.9");
  EXPECT_EQ(canonical.size(), 5u);
  EXPECT_EQ(canonical, generated_ids(gen + "--prompt-ids 1,17,42 --max-new-tokens 5 --top-k 7 --top-p=0.9"));
  EXPECT_EQ(generated_ids(gen + "--prompt-ids 1,17,42 --max-new-tokens 2").size(), 2u);

  // A flag: the special token is dropped with either spelling.
  const std::string detok = "detokenize --tokenizer " + data("inference/bytelevel_llama") + " --ids 116,257,266 ";
  const std::string kept = stdout_of(detok);
  EXPECT_NE(kept.find("<|endoftext|>"), std::string::npos) << kept;
  EXPECT_EQ(stdout_of(detok + "--skip_special"), "the\n");
  EXPECT_EQ(stdout_of(detok + "--skip-special"), "the\n");
}

TEST(FlagStyle, OnlyOptionNamesAreRewritten) {
  // A value with dashes, given after '=' or as a separate argument, reaches the verb unchanged.
  const std::string tok = "tokenize --tokenizer " + data("inference/bytelevel_llama") + " --json ";
  const std::string dashed_value = stdout_of(tok + "--text=the-cat-sat");
  EXPECT_EQ(dashed_value, stdout_of(tok + "--text 'the-cat-sat'"));
  EXPECT_NE(dashed_value, stdout_of(tok + "--text 'the_cat_sat'"));
}

TEST(FlagStyle, EveryVerbsHelpListsTheUnderscoreSpelling) {
  const std::set<std::string> all = verbs();
  for (const char* expected : {"train", "generate", "eval", "bench", "tokenize", "chat-template"})
    EXPECT_TRUE(all.count(expected)) << expected << " missing from hone --help";
  const std::regex long_flag(R"((^|[\s\[(,`])--([A-Za-z0-9_.-]+))");
  for (const std::string& verb : all) {
    const std::string help = stdout_of(verb + " --help");
    for (auto it = std::sregex_iterator(help.begin(), help.end(), long_flag); it != std::sregex_iterator(); ++it) {
      const std::string name = (*it)[2];
      EXPECT_EQ(name.find('-'), std::string::npos) << "hone " << verb << " --help shows --" << name;
    }
  }
  const std::string generate = stdout_of("generate --help");
  EXPECT_NE(generate.find("--max_new_tokens"), std::string::npos) << generate;
  const std::string train = stdout_of("train --help");
  EXPECT_NE(train.find("--grad_accum"), std::string::npos) << train;
  EXPECT_NE(train.find("--lora.target_modules"), std::string::npos) << train;
}

TEST(FlagStyle, TrainKeysTakeEitherSpellingAndUnknownOnesAreNamed) {
  // An unknown key fails before anything loads, naming the key in its canonical spelling.
  const hone::testing::CliResult r = run_hone("train --model x --data y --max-stepz 3");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("unknown key 'max_stepz'"), std::string::npos) << r.output;
  // A known key in the dashed spelling reaches the recipe: its validation names it (before any
  // run folder is made).
  const hone::testing::CliResult known = run_hone("train --model x --data y --max-steps 3 --grad-accum 0");
  EXPECT_NE(known.exit_code, 0);
  EXPECT_NE(known.output.find("key 'grad_accum': must be >= 1"), std::string::npos) << known.output;
}

}  // namespace
