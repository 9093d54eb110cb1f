#include "hone/data/example_builder.h"

#include <algorithm>

#include "hone/data/alpaca_prompt.h"
#include "hone/tokenizer/chat_template_builtin.h"
#include "hone/tokenizer/tokenizer.h"
#include "hone/util/error.h"

namespace hone {

namespace {

constexpr const char* kRoles[] = {"system", "user", "assistant", "tool"};

void require_object(const nlohmann::json& record, DatasetFormat format) {
  HONE_CHECK(record.is_object(), "expected a JSON object (a ", dataset_format_name(format), " record), got ",
             record.type_name());
}

// The string at `key`; absent (or null) gives nullopt unless required.
std::optional<std::string> string_field(const nlohmann::json& record, const char* key, bool required,
                                        const char* needs) {
  auto it = record.find(key);
  if (it == record.end() || it->is_null()) {
    HONE_CHECK(!required, "missing key \"", key, "\" (", needs, ")");
    return std::nullopt;
  }
  HONE_CHECK(it->is_string(), "\"", key, "\" must be a string, got ", it->type_name(), " ", it->dump());
  return it->get<std::string>();
}

std::string builtin_names() {
  std::string names;
  for (const std::string& n : builtin_chat_template_names()) names += (names.empty() ? "" : ", ") + n;
  return names;
}

}  // namespace

ExampleBuilder::ExampleBuilder(DatasetFormat format, const Tokenizer* tokenizer, const DatasetOptions& options)
    : format_(format), tokenizer_(tokenizer), options_(options) {
  if (format_ == DatasetFormat::Tokens) return;
  HONE_CHECK(tokenizer_ != nullptr, "the ", dataset_format_name(format_), " format needs the model's tokenizer");
  special_ = special_token_frame(*tokenizer_);
  eos_id_ = tokenizer_->eos_id();
  const bool may_append_eos = format_ == DatasetFormat::Text || format_ == DatasetFormat::Completion ||
                              format_ == DatasetFormat::Alpaca;
  const TokenizerConfig& config = tokenizer_->config();
  if (!options_.chat_template.empty()) {
    chat_template_ = ChatTemplate::builtin(options_.chat_template);
  } else if ((format_ == DatasetFormat::Messages || format_ == DatasetFormat::Alpaca) && !config.chat_templates.empty()) {
    chat_template_ = ChatTemplate::from_config(config);
  }
  HONE_CHECK(format_ != DatasetFormat::Messages || chat_template_, "messages records need a chat template, and ",
             config.source.empty() ? std::string("the tokenizer's config") : config.source,
             " has none: set chat_template to a built-in one (", builtin_names(), ")");
  // The alpaca format goes through the chat template when there is one, which ends turns itself.
  HONE_CHECK(!options_.add_eos || !may_append_eos || chat_template_ || eos_id_,
             "add_eos is set but the tokenizer has no eos_token (set add_eos: false)");
  template_options_.variables = special_token_variables(config);
}

ScoredTokens ExampleBuilder::build(const nlohmann::json& record) const {
  switch (format_) {
    case DatasetFormat::Text: return build_text(record);
    case DatasetFormat::Completion: return build_completion(record);
    case DatasetFormat::Alpaca: return build_alpaca(record);
    case DatasetFormat::Messages: return build_messages(record);
    case DatasetFormat::Tokens: {
      ScoredTokens tokens;
      tokens.example = parse_tokens_record(record, tokenizer_ ? tokenizer_->vocab_size() : 0);
      return tokens;
    }
  }
  HONE_FAIL("unhandled dataset format");
}

ScoredTokens ExampleBuilder::frame(ScoredTokens tokens, bool append_eos) const {
  auto& ids = tokens.example.input_ids;
  auto& labels = tokens.example.labels;
  const auto& prefix = special_.prefix;
  const bool has_prefix = ids.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), ids.begin());
  if (!has_prefix) {
    ids.insert(ids.begin(), prefix.begin(), prefix.end());
    labels.insert(labels.begin(), prefix.size(), kIgnoreLabel);
  }
  if (append_eos && options_.add_eos && (ids.empty() || ids.back() != *eos_id_)) {
    ids.push_back(*eos_id_);
    labels.push_back(*eos_id_);
  }
  return tokens;
}

ScoredTokens ExampleBuilder::build_text(const nlohmann::json& record) const {
  require_object(record, format_);
  const std::string text = *string_field(record, "text", true, "a text record is {\"text\": ...}");
  return frame(tokenize_scored_text(*tokenizer_, text, {{0, text.size()}}), true);
}

ScoredTokens ExampleBuilder::build_completion(const nlohmann::json& record) const {
  require_object(record, format_);
  const char* needs = "a completion record is {\"prompt\": ..., \"completion\": ...}";
  const std::string prompt = *string_field(record, "prompt", true, needs);
  const std::string completion = *string_field(record, "completion", true, needs);
  return frame(tokenize_scored_text(*tokenizer_, prompt + completion, {{prompt.size(), prompt.size() + completion.size()}}),
               true);
}

ScoredTokens ExampleBuilder::build_alpaca(const nlohmann::json& record) const {
  require_object(record, format_);
  const char* needs = "an alpaca record is {\"instruction\": ..., \"input\": ..., \"output\": ...}";
  const std::string instruction = *string_field(record, "instruction", true, needs);
  const std::string input = string_field(record, "input", false, needs).value_or("");
  const std::string output = *string_field(record, "output", true, needs);
  const std::string system = string_field(record, "system", false, needs).value_or("");
  if (chat_template_) {
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
    messages.push_back({{"role", "user"}, {"content", input.empty() ? instruction : instruction + "\n\n" + input}});
    messages.push_back({{"role", "assistant"}, {"content", output}});
    return build_chat(messages);
  }
  const std::string prompt = alpaca_prompt(instruction, input, system);
  return frame(tokenize_scored_text(*tokenizer_, prompt + output, {{prompt.size(), prompt.size() + output.size()}}), true);
}

ScoredTokens ExampleBuilder::build_messages(const nlohmann::json& record) const {
  require_object(record, format_);
  auto it = record.find("messages");
  HONE_CHECK(it != record.end(), "missing key \"messages\" (a messages record is {\"messages\": [{\"role\": ..., \"content\": ...}, ...]})");
  HONE_CHECK(it->is_array(), "\"messages\" must be an array of {\"role\", \"content\"} objects, got ", it->type_name());
  HONE_CHECK(!it->empty(), "\"messages\" is empty");
  bool has_assistant = false;
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& message = (*it)[i];
    HONE_CHECK(message.is_object(), "messages[", i, "] must be an object with \"role\" and \"content\", got ",
               message.type_name());
    auto role = message.find("role");
    HONE_CHECK(role != message.end(), "messages[", i, "] has no \"role\"");
    HONE_CHECK(role->is_string(), "messages[", i, "].role must be a string, got ", role->type_name());
    const std::string role_name = role->get<std::string>();
    HONE_CHECK(std::find(std::begin(kRoles), std::end(kRoles), role_name) != std::end(kRoles), "messages[", i,
               "].role is \"", role_name, "\"; expected system, user, assistant or tool");
    auto content = message.find("content");
    HONE_CHECK(content != message.end(), "messages[", i, "] (", role_name, ") has no \"content\"");
    HONE_CHECK(content->is_string(), "messages[", i, "].content must be a string, got ", content->type_name());
    has_assistant = has_assistant || role_name == "assistant";
    // Round trip: the record was parsed with sorted keys, templates want an ordered object.
    messages.push_back(nlohmann::ordered_json::parse(message.dump()));
  }
  HONE_CHECK(has_assistant, "\"messages\" has no assistant turn, so nothing to train on");
  return build_chat(messages);
}

ScoredTokens ExampleBuilder::build_chat(const nlohmann::ordered_json& messages) const {
  const RenderedChat chat = chat_template_->render(messages, template_options_);
  HONE_CHECK(!chat.trainable_ranges.empty(), "chat template ", chat_template_->name(),
             " wrote none of the assistant turns' text, so nothing to train on");
  // Rendered text carries its own special tokens (a template that writes bos_token); the
  // tokenizer's BOS is added only when the template did not write it.
  return frame(tokenize_scored_text(*tokenizer_, chat.text, chat.trainable_ranges), false);
}

}  // namespace hone
