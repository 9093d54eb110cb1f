// `hone detokenize`: token ids back to text with a model's tokenizer.json decoder.
#include <iostream>
#include <sstream>

#include "hone/cli/verbs.h"
#include "hone/tokenizer/tokenizer.h"
#include "hone/util/error.h"

namespace hone::cli {

namespace {

struct DetokenizeArgs {
  std::string tokenizer, ids;
  bool skip_special = false;
};

std::vector<int32_t> parse_ids(const std::string& text) {
  std::vector<int32_t> ids;
  std::string item;
  std::istringstream stream(text);
  size_t index = 0;
  while (std::getline(stream, item, ',')) {
    size_t used = 0;
    long long value = -1;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    while (used < item.size() && std::isspace(static_cast<unsigned char>(item[used]))) ++used;
    HONE_CHECK(used == item.size() && !item.empty() && value >= 0 && value <= INT32_MAX, "--ids: item ", index, " (\"", item,
               "\") is not a non-negative integer id");
    ids.push_back(int32_t(value));
    ++index;
  }
  return ids;
}

void add_detokenize_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("detokenize", "Turn token ids back into text with a model's tokenizer.json");
  cmd->footer("Example:\n  hone detokenize --tokenizer models/Llama-3.2-1B --ids 128000,9906,1917 --skip_special\n");
  auto args = std::make_shared<DetokenizeArgs>();
  cmd->add_option("--tokenizer", args->tokenizer, "Model folder (with tokenizer.json) or a tokenizer.json file")->required();
  cmd->add_option("--ids", args->ids, "Comma-separated token ids, e.g. 1,15043,3186")->required();
  cmd->add_flag("--skip_special", args->skip_special, "Leave out special tokens (BOS, EOS, chat markers)");
  cmd->callback([args] {
    const std::vector<int32_t> ids = parse_ids(args->ids);
    const Tokenizer tokenizer = Tokenizer::load(args->tokenizer);
    DecodeOptions options;
    options.skip_special_tokens = args->skip_special;
    std::cout << tokenizer.decode(ids, options) << "\n";
  });
}

}  // namespace

HONE_REGISTER_VERB(detokenize, add_detokenize_verb);

}  // namespace hone::cli
