#include "hone/tokenizer/chat_template.h"

#include <algorithm>

#include "hone/tokenizer/chat_template_builtin.h"
#include "hone/tokenizer/jinja_json.h"
#include "hone/tokenizer/jinja_template.h"
#include "hone/util/error.h"

namespace hone {

namespace {


void validate_messages(const nlohmann::ordered_json& messages, const std::string& name) {
  HONE_CHECK(messages.is_array(), name, ": messages must be a JSON array of {\"role\": ..., \"content\": ...} objects, got ",
             messages.type_name());
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& message = messages[i];
    HONE_CHECK(message.is_object(), name, ": message ", i, " must be an object, got ", message.type_name());
    auto role = message.find("role");
    HONE_CHECK(role != message.end() && role->is_string(), name, ": message ", i, " needs a string \"role\"");
  }
}

// Messages become template values marked with their index (so every byte copied from them can
// be traced), except the role: it names the turn and is template structure, not message text.
jinja::RenderEnvironment prepare(const nlohmann::ordered_json& messages, size_t count, const ChatTemplateOptions& options,
                                 bool add_generation_prompt, const std::string& name) {
  jinja::RenderEnvironment env;
  HONE_CHECK(options.variables.is_object(), name, ": template variables must be a JSON object");
  std::vector<jinja::Value> items;
  for (size_t i = 0; i < count; ++i) {
    jinja::Value message = jinja::from_json(messages[i], int32_t(i));
    message.dict_data().set("role", jinja::from_json(messages[i]["role"], -1));
    env.message_objects[&message.dict_data()] = int32_t(i);
    items.push_back(message);
  }
  for (const auto& [key, value] : options.variables.items())
    if (key != "messages" && key != "add_generation_prompt") env.variables.emplace_back(key, jinja::from_json(value));
  env.variables.emplace_back("messages", jinja::Value::list(std::move(items)));
  env.variables.emplace_back("add_generation_prompt", jinja::Value::boolean(add_generation_prompt));
  env.now = options.now;
  return env;
}

bool is_ascii_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

std::vector<uint8_t> RenderedChat::trainable_mask() const {
  std::vector<uint8_t> mask(text.size(), 0);
  for (const auto& [begin, end] : trainable_ranges) std::fill(mask.begin() + long(begin), mask.begin() + long(end), 1);
  return mask;
}

ChatTemplate::ChatTemplate(const std::string& source, const std::string& name)
    : name_(name), template_(std::make_shared<const jinja::Template>(source, name)) {}

ChatTemplate ChatTemplate::builtin(const std::string& name) { return ChatTemplate(builtin_chat_template(name), "builtin:" + name); }

ChatTemplate ChatTemplate::from_config(const TokenizerConfig& config, const std::string& name) {
  const std::string source = config.source.empty() ? std::string("tokenizer_config") : config.source;
  if (config.chat_templates.empty()) {
    std::string names;
    for (const std::string& n : builtin_chat_template_names()) names += (names.empty() ? "" : ", ") + n;
    HONE_FAIL(source, " has no chat_template; choose a built-in template by name (", names, ")");
  }
  return ChatTemplate(config.chat_template_named(name), source + ":chat_template" + (name == "default" ? "" : "[" + name + "]"));
}

std::string ChatTemplate::render_text(const nlohmann::ordered_json& messages, const ChatTemplateOptions& options) const {
  validate_messages(messages, name_);
  return template_->render(prepare(messages, messages.size(), options, options.add_generation_prompt, name_)).text.str;
}

RenderedChat ChatTemplate::render(const nlohmann::ordered_json& messages, const ChatTemplateOptions& options) const {
  validate_messages(messages, name_);
  const jinja::RenderOutput output = template_->render(prepare(messages, messages.size(), options, options.add_generation_prompt, name_));
  const std::string& text = output.text.str;
  const size_t n = text.size();

  // Who owns each byte: the innermost message loop iteration that wrote it, overridden by the
  // message whose own text it is.
  std::vector<int32_t> owner(n, -1);
  std::vector<uint8_t> is_text(n, 0);
  std::vector<jinja::MessageRegion> regions = output.regions;
  std::stable_sort(regions.begin(), regions.end(), [](const auto& a, const auto& b) { return a.depth < b.depth; });
  for (const auto& region : regions) std::fill(owner.begin() + long(region.begin), owner.begin() + long(region.end), region.message);
  std::vector<uint8_t> in_region(n, 0);
  for (const auto& region : regions) std::fill(in_region.begin() + long(region.begin), in_region.begin() + long(region.end), 1);
  for (const jinja::TextMark& mark : output.text.marks) {
    std::fill(owner.begin() + mark.begin, owner.begin() + mark.end, mark.message);
    std::fill(is_text.begin() + mark.begin, is_text.begin() + mark.end, 1);
  }

  RenderedChat chat;
  chat.text = text;
  if (!output.generation.empty()) {
    // The template marks assistant output itself ({% generation %}), as transformers'
    // return_assistant_tokens_mask expects.
    for (const auto& range : output.generation)
      if (range.second > range.first) chat.trainable_ranges.push_back(range);
  } else {
    for (size_t i = 0; i < messages.size(); ++i) {
      if (messages[i]["role"] != "assistant") continue;
      const int32_t m = int32_t(i);
      size_t first = n, last = 0, first_text = n;
      bool loop_attributed = false;
      for (size_t b = 0; b < n; ++b) {
        if (owner[b] != m) continue;
        first = std::min(first, b);
        last = b + 1;
        if (is_text[b]) first_text = std::min(first_text, b);
        if (in_region[b]) loop_attributed = true;
      }
      if (first == n) continue;  // the template wrote nothing for this message
      // Skip the turn's header: the part the generation prompt would have written.
      size_t start = first;
      std::string header;
      try {
        const std::string without = template_->render(prepare(messages, i, options, false, name_)).text.str;
        const std::string with = template_->render(prepare(messages, i, options, true, name_)).text.str;
        if (with.size() > without.size() && with.compare(0, without.size(), without) == 0) header = with.substr(without.size());
      } catch (const Error&) {
        // Some templates refuse a conversation prefix (e.g. one that ends on a user turn); then
        // the turn starts at the message's own text.
      }
      size_t common = 0;
      while (common < header.size() && first + common < last && text[first + common] == header[common]) ++common;
      start = first + common;
      if (header.empty() || common == 0) {
        start = first_text < last ? first_text : first;
        // A space joining the header to the content is the reply's (SentencePiece folds it into
        // the first word, as in Llama 2's "[/INST] answer").
        while (start > first && text[start - 1] == ' ' && !is_text[start - 1]) --start;
      }
      start = std::min(start, first_text);
      size_t end = last;
      if (!loop_attributed) {
        // Only the message's text was traced: take the end-of-turn marker that follows it.
        while (end < n && owner[end] == -1 && !is_ascii_space(text[end])) ++end;
      }
      while (end > start && is_ascii_space(text[end - 1]) && !is_text[end - 1]) --end;
      if (end > start) chat.trainable_ranges.emplace_back(start, end);
    }
  }
  std::vector<uint8_t> trainable(n, 0);
  for (const auto& [b, e] : chat.trainable_ranges) std::fill(trainable.begin() + long(b), trainable.begin() + long(e), 1);
  for (size_t b = 0; b < n;) {
    size_t e = b + 1;
    while (e < n && owner[e] == owner[b] && is_text[e] == is_text[b] && trainable[e] == trainable[b]) ++e;
    chat.spans.push_back({b, e, owner[b], is_text[b] != 0, trainable[b] != 0});
    b = e;
  }
  return chat;
}

nlohmann::ordered_json special_token_variables(const TokenizerConfig& config) {
  nlohmann::ordered_json vars = nlohmann::ordered_json::object();
  if (config.bos_token) vars["bos_token"] = *config.bos_token;
  if (config.eos_token) vars["eos_token"] = *config.eos_token;
  if (config.pad_token) vars["pad_token"] = *config.pad_token;
  if (config.unk_token) vars["unk_token"] = *config.unk_token;
  return vars;
}

}  // namespace hone
