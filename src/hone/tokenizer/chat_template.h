// Chat templates: turning a conversation (a JSON list of {role, content, ...} messages) into
// the model's prompt text exactly as transformers' apply_chat_template does, and saying which
// bytes of that text came from which message and which bytes are assistant output to train on
// (each assistant turn's content and its end-of-turn marker; everything else is masked).
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "hone/tokenizer/tokenizer_config.h"

namespace hone {

namespace jinja {
class Template;
}

struct ChatTemplateOptions {
  bool add_generation_prompt = false;
  // Further template variables: bos_token/eos_token (see special_token_variables), tools,
  // documents, enable_thinking, date_string, ...
  nlohmann::ordered_json variables = nlohmann::ordered_json::object();
  // The clock strftime_now() reads (tests fix it); default: the local time.
  std::function<std::tm()> now;
};

// A run of output bytes with one origin.
struct ChatSpan {
  size_t begin = 0, end = 0;
  int32_t message = -1;       // the message it belongs to; -1: template text outside any message
  bool message_text = false;  // copied from the message's own fields (content, tool calls, ...)
  bool trainable = false;     // assistant output: its content and end-of-turn marker
};

struct RenderedChat {
  std::string text;
  std::vector<ChatSpan> spans;  // in order, covering text exactly, split where any field changes
  // The bytes to train on, in order: per assistant turn, or the template's {% generation %} blocks.
  std::vector<std::pair<size_t, size_t>> trainable_ranges;

  // One byte per text byte: 1 where trainable.
  std::vector<uint8_t> trainable_mask() const;
};

class ChatTemplate {
 public:
  // `name` names the template in errors ("<model>/tokenizer_config.json:chat_template").
  ChatTemplate(const std::string& source, const std::string& name);
  // One of builtin_chat_template_names().
  static ChatTemplate builtin(const std::string& name);
  // The config's template called `name` ("default" for the usual one). When the config has no
  // template at all, Error suggesting a built-in template.
  static ChatTemplate from_config(const TokenizerConfig& config, const std::string& name = "default");

  // The prompt text only (one render).
  std::string render_text(const nlohmann::ordered_json& messages, const ChatTemplateOptions& options = {}) const;
  // Text plus attribution (a few extra renders of conversation prefixes to find each assistant
  // turn's header).
  RenderedChat render(const nlohmann::ordered_json& messages, const ChatTemplateOptions& options = {}) const;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::shared_ptr<const jinja::Template> template_;
};

// bos_token, eos_token, pad_token, unk_token from the config (those it sets), as template
// variables, the way transformers passes its special tokens to the template.
nlohmann::ordered_json special_token_variables(const TokenizerConfig& config);

}  // namespace hone
