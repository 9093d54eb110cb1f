// `hone tokenize`: text to token ids with a model's own tokenizer (tokenizer.json), exactly as
// Hugging Face would tokenize it.
#include <nlohmann/json.hpp>

#include <iostream>

#include "hone/cli/verbs.h"
#include "hone/tokenizer/tokenizer.h"
#include "hone/util/atomic_file.h"
#include "hone/util/error.h"

namespace hone::cli {

namespace {

struct TokenizeArgs {
  std::string tokenizer, text, file;
  bool json = false, no_special = false;
};

void add_tokenize_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("tokenize", "Turn text into token ids with a model's tokenizer.json");
  cmd->footer(
      "Examples:\n"
      "  hone tokenize --tokenizer models/Llama-3.2-1B --text 'Hello world'\n"
      "  hone tokenize --tokenizer tokenizer.json --file prompt.txt --json --no_special\n");
  auto args = std::make_shared<TokenizeArgs>();
  cmd->add_option("--tokenizer", args->tokenizer, "Model folder (with tokenizer.json) or a tokenizer.json file")->required();
  auto* text = cmd->add_option("--text", args->text, "Text to tokenize");
  auto* file = cmd->add_option("--file", args->file, "Read the text from this file (UTF-8, used as is)");
  text->excludes(file);
  cmd->add_flag("--json", args->json, "Print {\"ids\": [...]} instead of space-separated ids");
  cmd->add_flag("--no_special", args->no_special, "Do not add the model's special tokens (BOS/EOS, templates)");
  cmd->callback([args, text, file] {
    HONE_CHECK(text->count() + file->count() == 1, "tokenize: give the text with --text or --file");
    const Tokenizer tokenizer = Tokenizer::load(args->tokenizer);
    const std::string input = file->count() ? read_file(args->file) : args->text;
    const std::vector<int32_t> ids = tokenizer.encode(input, !args->no_special);
    if (args->json) {
      std::cout << nlohmann::json{{"ids", ids}}.dump() << "\n";
    } else {
      for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
      std::cout << "\n";
    }
  });
}

}  // namespace

HONE_REGISTER_VERB(tokenize, add_tokenize_verb);

}  // namespace hone::cli
