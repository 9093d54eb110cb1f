// tokenizer_config.json: the settings Hugging Face keeps beside tokenizer.json — special token
// strings, whether to add BOS/EOS, the chat template(s) and the maximum length. Parsed into a
// plain struct with one clear error per wrongly typed key, so the tokenizer and chat code never
// touch raw JSON.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace hone {

struct TokenizerConfig {
  std::string source;  // the file it came from (for error messages); empty when parsed from text

  // Special token strings. An AddedToken object {"content": ...} is reduced to its content.
  std::optional<std::string> bos_token, eos_token, pad_token, unk_token;
  std::optional<bool> add_bos_token, add_eos_token;  // absent: the tokenizer's post-processor decides
  std::optional<bool> clean_up_tokenization_spaces;
  // Saturated to INT64_MAX: HF writes 1e30 ("no limit") for many models.
  std::optional<int64_t> model_max_length;

  // The template transformers uses by default (the string form, or the entry named "default").
  std::optional<std::string> chat_template;
  // Every template by name; the string form is stored as "default".
  std::map<std::string, std::string> chat_templates;

  // The named template ("default", "tool_use", ...). Error naming the file and the names present.
  const std::string& chat_template_named(const std::string& name) const;
};

// Parses an already-read JSON object. `source` names it in errors ("<dir>/tokenizer_config.json").
TokenizerConfig parse_tokenizer_config(const nlohmann::json& config, const std::string& source);

// Reads and parses a tokenizer_config.json file (Error naming the path when unreadable/invalid).
TokenizerConfig load_tokenizer_config(const std::string& path);

// `path` is a model folder (reads <path>/tokenizer_config.json) or the file itself.
TokenizerConfig load_tokenizer_config_from(const std::string& path);

}  // namespace hone
