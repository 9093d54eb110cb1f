// Mutation fuzzing of the tokenizer layer's readers (issue 11, item 14): tokenizer.json,
// tokenizer_config.json and chat-template conversations. Thousands of damaged inputs each; every
// one must load (and then work) or end in a hone::Error. Seeded afresh per run (the seed is
// printed; HONE_FUZZ_SEED=N reproduces); run under -DHONE_SANITIZE=ON for memory errors.
#include <gtest/gtest.h>

#include "hone/tokenizer/chat_template.h"
#include "hone/tokenizer/tokenizer.h"
#include "hone/tokenizer/tokenizer_config.h"
#include "hone/util/atomic_file.h"
#include "hone/util/json_text.h"
#include "support/fuzz_mutator.h"

namespace hone {
namespace {

std::string data(const std::string& path) { return std::string(HONE_TEST_DATA_DIR) + "/" + path; }

TEST(ReaderFuzz, TokenizerJson) {
  const std::string valid = read_file(data("inference/bytelevel_llama/tokenizer.json"));
  testing::fuzz_reader("tokenizer.json", {valid}, 3000, [](const std::string& text) {
    const Tokenizer t = Tokenizer::from_json(parse_json(text, "tokenizer.json"), std::nullopt, "tokenizer.json");
    const std::vector<int32_t> ids = t.encode("Hello, world! 123 héllo <|endoftext|>");
    (void)t.decode(ids);
  });
}

TEST(ReaderFuzz, TokenizerConfigJson) {
  const std::string valid = read_file(data("inference/bytelevel_llama/tokenizer_config.json"));
  const std::string with_template =
      R"({"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "add_bos_token": true,)"
      R"( "model_max_length": 1000000000000000019884624838656, "added_tokens_decoder": {"0": {"content": "<unk>", "special": true}},)"
      R"( "chat_template": [{"name": "default", "template": "{% for m in messages %}{{ m.content }}{% endfor %}"}]})";
  testing::fuzz_reader("tokenizer_config.json", {valid, with_template}, 3000, [](const std::string& text) {
    const TokenizerConfig config = parse_tokenizer_config(parse_json(text, "tokenizer_config.json"), "tokenizer_config.json");
    if (!config.chat_templates.empty()) (void)ChatTemplate::from_config(config);
  });
}

TEST(ReaderFuzz, ChatTemplateMessages) {
  const std::string valid = read_file(data("chat/conversations/tools.json"));
  const std::string simple = read_file(data("chat/conversations/system_multi_turn.json"));
  const ChatTemplate chatml = ChatTemplate::builtin("chatml");
  testing::fuzz_reader("chat-template messages", {valid, simple}, 3000, [&](const std::string& text) {
    const nlohmann::ordered_json file = parse_ordered_json(text, "chat.json");
    const nlohmann::ordered_json& messages = file.is_object() && file.contains("messages") ? file["messages"] : file;
    (void)chatml.render_text(messages);
  });
}

}  // namespace
}  // namespace hone
