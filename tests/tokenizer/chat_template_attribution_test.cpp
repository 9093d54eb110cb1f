// Which bytes of a rendered chat belong to which message, and which are trainable (assistant
// content plus its end-of-turn marker), on real templates that trim, split and reorder content.
#include <gtest/gtest.h>

#include "hone/tokenizer/chat_template.h"
#include "hone/util/atomic_file.h"
#include "hone/util/error.h"

namespace hone {
namespace {

using nlohmann::ordered_json;

std::string data_template(const std::string& name) { return read_file(std::string(HONE_TEST_DATA_DIR) + "/chat/templates/" + name + ".jinja"); }

// The trainable ranges' text, joined with '|'.
std::string trainable_text(const RenderedChat& chat) {
  std::string out;
  for (const auto& [begin, end] : chat.trainable_ranges) {
    if (!out.empty()) out += '|';
    out.append(chat.text, begin, end - begin);
  }
  return out;
}

// The bytes attributed to `message` that are its own text, concatenated.
std::string message_text_of(const RenderedChat& chat, int32_t message) {
  std::string out;
  for (const ChatSpan& span : chat.spans)
    if (span.message == message && span.message_text) out += chat.text.substr(span.begin, span.end - span.begin);
  return out;
}

const ordered_json kConversation = ordered_json::parse(R"([
  {"role": "system", "content": "Be brief."},
  {"role": "user", "content": "Capital of France?"},
  {"role": "assistant", "content": "  Paris.  "},
  {"role": "user", "content": "And Japan?"},
  {"role": "assistant", "content": "Tokyo."}])");

ChatTemplateOptions with_tokens(const char* bos, const char* eos, bool generation_prompt = false) {
  ChatTemplateOptions options;
  options.variables = {{"bos_token", bos}, {"eos_token", eos}};
  options.add_generation_prompt = generation_prompt;
  return options;
}

TEST(ChatTemplateAttribution, ChatmlTrainsOnContentAndImEnd) {
  const RenderedChat chat = ChatTemplate::builtin("chatml").render(kConversation);
  EXPECT_EQ(trainable_text(chat), "  Paris.  <|im_end|>|Tokyo.<|im_end|>");
  const auto mask = chat.trainable_mask();
  ASSERT_EQ(mask.size(), chat.text.size());
  EXPECT_EQ(size_t(std::count(mask.begin(), mask.end(), 1)), std::string("  Paris.  <|im_end|>Tokyo.<|im_end|>").size());
}

TEST(ChatTemplateAttribution, Llama31TrimmedContentAndEotId) {
  const RenderedChat chat = ChatTemplate(data_template("llama3.1"), "llama3.1").render(kConversation, with_tokens("<|begin_of_text|>", "<|eot_id|>"));
  EXPECT_EQ(trainable_text(chat), "Paris.<|eot_id|>|Tokyo.<|eot_id|>");
  EXPECT_EQ(message_text_of(chat, 2), "Paris.");     // trim kept only the words, still traced to message 2
  EXPECT_EQ(message_text_of(chat, 0), "Be brief.");  // the system text sits outside the message loop
}

TEST(ChatTemplateAttribution, GemmaMistralPhiSmolLM) {
  const ordered_json no_system(kConversation.begin() + 1, kConversation.end());
  EXPECT_EQ(trainable_text(ChatTemplate(data_template("gemma2"), "gemma2").render(no_system, with_tokens("<bos>", "<eos>"))),
            "Paris.<end_of_turn>|Tokyo.<end_of_turn>");
  EXPECT_EQ(trainable_text(ChatTemplate::builtin("mistral").render(no_system, with_tokens("<s>", "</s>"))), "  Paris.  </s>|Tokyo.</s>");
  EXPECT_EQ(trainable_text(ChatTemplate(data_template("phi3"), "phi3").render(kConversation, with_tokens("<s>", "<|endoftext|>"))),
            "  Paris.  <|end|>|Tokyo.<|end|>");
  EXPECT_EQ(trainable_text(ChatTemplate(data_template("smollm2"), "smollm2").render(no_system, with_tokens("", "<|im_end|>"))),
            "  Paris.  <|im_end|>|Tokyo.<|im_end|>");
  EXPECT_EQ(trainable_text(ChatTemplate::builtin("llama2").render(kConversation, with_tokens("<s>", "</s>"))), " Paris. </s>| Tokyo. </s>");
}

TEST(ChatTemplateAttribution, Qwen3ReasoningIsTrainedOnlyWhereTheTemplateKeepsIt) {
  const ordered_json messages = ordered_json::parse(read_file(std::string(HONE_TEST_DATA_DIR) + "/chat/conversations/thinking.json"))["messages"];
  const RenderedChat chat = ChatTemplate(data_template("qwen3"), "qwen3").render(messages, with_tokens("", "<|im_end|>"));
  // The first answer came before the last user query: Qwen3 drops its reasoning.
  EXPECT_EQ(trainable_text(chat), "51<|im_end|>|<think>\n51 + 9 = 60.\n</think>\n\n60<|im_end|>");
  ChatTemplateOptions no_thinking = with_tokens("", "<|im_end|>");
  no_thinking.variables["enable_thinking"] = false;
  // The generation prompt then pre-fills an empty think block, so training starts inside it.
  EXPECT_EQ(trainable_text(ChatTemplate(data_template("qwen3"), "qwen3").render(messages, no_thinking)),
            "51<|im_end|>|51 + 9 = 60.\n</think>\n\n60<|im_end|>");
}

TEST(ChatTemplateAttribution, ToolCallsAreTrainedWholeAndToolResultsAreNot) {
  const ordered_json conversation = ordered_json::parse(read_file(std::string(HONE_TEST_DATA_DIR) + "/chat/conversations/tools.json"));
  ChatTemplateOptions options = with_tokens("<|begin_of_text|>", "<|eot_id|>");
  options.variables["tools"] = conversation["tools"];
  const RenderedChat llama = ChatTemplate(data_template("llama3.1"), "llama3.1").render(conversation["messages"], options);
  EXPECT_EQ(trainable_text(llama),
            "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}<|eot_id|>|"
            "It is 18 °C and cloudy in Paris.<|eot_id|>");
  options.variables["bos_token"] = "";
  options.variables["eos_token"] = "<|im_end|>";
  const RenderedChat qwen = ChatTemplate(data_template("qwen2.5"), "qwen2.5").render(conversation["messages"], options);
  EXPECT_EQ(trainable_text(qwen),
            "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}\n</tool_call><|im_end|>|"
            "It is 18 °C and cloudy in Paris.<|im_end|>");
  EXPECT_EQ(message_text_of(qwen, 3), "{\"temperature\": 18, \"sky\": \"cloudy\"}");
}

TEST(ChatTemplateAttribution, SpansCoverTextAndNameOwners) {
  const RenderedChat chat = ChatTemplate::builtin("chatml").render(kConversation, with_tokens("", "<|im_end|>", true));
  size_t at = 0;
  for (const ChatSpan& span : chat.spans) {
    EXPECT_EQ(span.begin, at);
    EXPECT_LT(span.begin, span.end);
    at = span.end;
  }
  EXPECT_EQ(at, chat.text.size());
  // The header of a user turn belongs to that turn but is not its text; the trailing generation
  // prompt belongs to no message.
  const size_t header = chat.text.find("<|im_start|>user");
  const auto owner_at = [&](size_t b) {
    for (const ChatSpan& span : chat.spans)
      if (b >= span.begin && b < span.end) return span;
    return ChatSpan{};
  };
  EXPECT_EQ(owner_at(header).message, 1);
  EXPECT_FALSE(owner_at(header).message_text);
  EXPECT_EQ(owner_at(chat.text.find("Capital")).message, 1);
  EXPECT_TRUE(owner_at(chat.text.find("Capital")).message_text);
  EXPECT_FALSE(owner_at(chat.text.find("Capital")).trainable);
  EXPECT_EQ(owner_at(chat.text.size() - 1).message, -1);
  EXPECT_FALSE(owner_at(chat.text.size() - 1).trainable);
}

TEST(ChatTemplateAttribution, GenerationBlocksAreAuthoritative) {
  const std::string source =
      "{% for m in messages %}<{{ m.role }}>{% if m.role == 'assistant' %}{% generation %}{{ m.content }}</s>{% endgeneration %}"
      "{% else %}{{ m.content }}{% endif %}\n{% endfor %}";
  const RenderedChat chat = ChatTemplate(source, "generation").render(kConversation);
  EXPECT_EQ(trainable_text(chat), "  Paris.  </s>|Tokyo.</s>");
}

TEST(ChatTemplateAttribution, AttributionSurvivesTemplatesWithoutMessageLoops) {
  // Indexing messages by position loses the loop attribution; the traced text and the
  // end-of-turn marker right after it still give the trainable range.
  const std::string source =
      "{% for i in range(messages | length) %}[{{ messages[i].role }}] {{ messages[i].content | trim }}{% if messages[i].role == 'assistant' %}"
      "<eot>{% endif %}{{ '\\n' }}{% endfor %}";
  const RenderedChat chat = ChatTemplate(source, "indexed").render(kConversation);
  EXPECT_EQ(trainable_text(chat), "Paris.<eot>|Tokyo.<eot>");
}

TEST(ChatTemplateAttribution, BadMessagesNameTheProblem) {
  const ChatTemplate chatml = ChatTemplate::builtin("chatml");
  const auto message_of = [&](const char* messages) {
    try {
      chatml.render(ordered_json::parse(messages));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(message_of(R"({"role": "user"})").find("JSON array"), std::string::npos);
  EXPECT_NE(message_of(R"([{"role": "user", "content": "a"}, {"content": "b"}])").find("message 1"), std::string::npos);
  EXPECT_NE(message_of(R"([{"role": "user", "content": "a"}, 3])").find("message 1 must be an object"), std::string::npos);
}

TEST(ChatTemplateAttribution, RaiseExceptionReachesTheCaller) {
  try {
    ChatTemplate(data_template("gemma2"), "gemma2").render(kConversation, with_tokens("<bos>", "<eos>"));
    FAIL() << "Gemma's template refuses system messages";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("System role not supported"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gemma2:1:"), std::string::npos) << e.what();
  }
}

TEST(ChatTemplateAttribution, ConfigTemplatesByName) {
  TokenizerConfig config = parse_tokenizer_config(
      ordered_json::parse(R"({"eos_token": "E", "chat_template": [{"name": "default", "template": "D{{ eos_token }}"},
                                                                   {"name": "tool_use", "template": "T"}]})"),
      "m/tokenizer_config.json");
  ChatTemplateOptions options;
  options.variables = special_token_variables(config);
  EXPECT_EQ(ChatTemplate::from_config(config).render_text(ordered_json::array(), options), "DE");
  EXPECT_EQ(ChatTemplate::from_config(config, "tool_use").render_text(ordered_json::array(), options), "T");
  EXPECT_THROW(ChatTemplate::builtin("nonexistent"), Error);
}

}  // namespace
}  // namespace hone
