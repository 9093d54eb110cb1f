#include "hone/tokenizer/tokenizer_config.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include "hone/util/atomic_file.h"
#include "hone/util/error.h"
#include "hone/util/json_text.h"

namespace hone {

namespace {

std::string where(const std::string& source, const std::string& key) {
  return cat(source.empty() ? std::string("tokenizer_config") : source, ": key \"", key, "\"");
}

// bos_token etc. are a string, null, or an AddedToken object (serialised either bare or with
// "__type": "AddedToken") whose "content" is the token text.
std::optional<std::string> token_string(const nlohmann::json& config, const std::string& key, const std::string& source) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    auto content = it->find("content");
    HONE_CHECK(content != it->end() && content->is_string(), where(source, key),
               " is an object without a string \"content\" (expected a token string or an AddedToken {\"content\": ...})");
    return content->get<std::string>();
  }
  HONE_FAIL(where(source, key), " must be a string, null or an AddedToken object, got ", it->type_name());
}

std::optional<bool> optional_bool(const nlohmann::json& config, const std::string& key, const std::string& source) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  HONE_CHECK(it->is_boolean(), where(source, key), " must be true or false, got ", it->type_name());
  return it->get<bool>();
}

std::optional<int64_t> optional_length(const nlohmann::json& config, const std::string& key, const std::string& source) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  HONE_CHECK(it->is_number(), where(source, key), " must be a number, got ", it->type_name());
  if (it->is_number_unsigned()) {
    const uint64_t value = it->get<uint64_t>();
    return value > uint64_t(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max() : int64_t(value);
  }
  if (it->is_number_integer()) {
    const int64_t value = it->get<int64_t>();
    HONE_CHECK(value > 0, where(source, key), " must be positive, got ", value);
    return value;
  }
  const double value = it->get<double>();
  HONE_CHECK(std::isfinite(value) && value > 0, where(source, key), " must be a positive number, got ", value);
  if (value >= 9.2e18) return std::numeric_limits<int64_t>::max();
  return int64_t(value);
}

void read_chat_templates(const nlohmann::json& config, const std::string& source, TokenizerConfig& out) {
  auto it = config.find("chat_template");
  if (it == config.end() || it->is_null()) return;
  if (it->is_string()) {
    out.chat_templates["default"] = it->get<std::string>();
  } else if (it->is_array()) {
    size_t index = 0;
    for (const auto& entry : *it) {
      const std::string at = cat(where(source, "chat_template"), "[", index++, "]");
      HONE_CHECK(entry.is_object(), at, " must be an object {\"name\": ..., \"template\": ...}, got ", entry.type_name());
      auto name = entry.find("name");
      auto text = entry.find("template");
      HONE_CHECK(name != entry.end() && name->is_string(), at, " needs a string \"name\"");
      HONE_CHECK(text != entry.end() && text->is_string(), at, " needs a string \"template\"");
      HONE_CHECK(out.chat_templates.emplace(name->get<std::string>(), text->get<std::string>()).second, at,
                 " repeats the template name \"", name->get<std::string>(), "\"");
    }
  } else {
    HONE_FAIL(where(source, "chat_template"), " must be a string or a list of {name, template}, got ", it->type_name());
  }
  auto fallback = out.chat_templates.find("default");
  if (fallback != out.chat_templates.end()) out.chat_template = fallback->second;
}

}  // namespace

const std::string& TokenizerConfig::chat_template_named(const std::string& name) const {
  auto it = chat_templates.find(name);
  if (it != chat_templates.end()) return it->second;
  std::string names;
  for (const auto& [known, text] : chat_templates) names += (names.empty() ? "" : ", ") + known;
  HONE_FAIL(source.empty() ? std::string("tokenizer_config") : source, ": no chat template named \"", name, "\" (",
            names.empty() ? std::string("the file has no chat_template") : "it has: " + names, ")");
}

TokenizerConfig parse_tokenizer_config(const nlohmann::json& config, const std::string& source) {
  HONE_CHECK(config.is_object(), source.empty() ? std::string("tokenizer_config") : source,
             ": expected a JSON object at the top level, got ", config.type_name());
  TokenizerConfig out;
  out.source = source;
  out.bos_token = token_string(config, "bos_token", source);
  out.eos_token = token_string(config, "eos_token", source);
  out.pad_token = token_string(config, "pad_token", source);
  out.unk_token = token_string(config, "unk_token", source);
  out.add_bos_token = optional_bool(config, "add_bos_token", source);
  out.add_eos_token = optional_bool(config, "add_eos_token", source);
  out.clean_up_tokenization_spaces = optional_bool(config, "clean_up_tokenization_spaces", source);
  out.model_max_length = optional_length(config, "model_max_length", source);
  read_chat_templates(config, source, out);
  return out;
}

TokenizerConfig load_tokenizer_config(const std::string& path) {
  const std::string text = read_file(path);
  return parse_tokenizer_config(parse_json(text, path), path);
}

TokenizerConfig load_tokenizer_config_from(const std::string& path) {
  if (std::filesystem::is_directory(path)) return load_tokenizer_config((std::filesystem::path(path) / "tokenizer_config.json").string());
  return load_tokenizer_config(path);
}

}  // namespace hone
