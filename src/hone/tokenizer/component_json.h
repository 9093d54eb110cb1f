// Typed access to the pieces of tokenizer.json, with errors that name the JSON path of the
// component at fault ("pre_tokenizer.pretokenizers[1].behavior: ..."). The loader adds the file.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace hone::component_json {

using nlohmann::json;

std::string child_path(std::string_view path, std::string_view key);
std::string index_path(std::string_view path, size_t index);

// The object's "type" string (Error when missing or not a string).
std::string type_of(const json& component, std::string_view path);

const json& require(const json& object, std::string_view key, std::string_view path);
std::string require_string(const json& object, std::string_view key, std::string_view path);
const json& require_array(const json& object, std::string_view key, std::string_view path);

// Absent or null gives `fallback`; a value of the wrong type is an Error.
bool bool_or(const json& object, std::string_view key, bool fallback, std::string_view path);
std::string string_or(const json& object, std::string_view key, std::string_view fallback, std::string_view path);
int64_t int_or(const json& object, std::string_view key, int64_t fallback, std::string_view path);
std::optional<std::string> optional_string(const json& object, std::string_view key, std::string_view path);

// The {"String": "..."} or {"Regex": "..."} pattern object used by Split and Replace.
struct Pattern {
  bool is_regex = false;
  std::string text;
};
Pattern pattern_of(const json& object, std::string_view path);

// Fails with "<path>: unknown <kind> type "<type>" (supported: <supported>)".
[[noreturn]] void fail_unknown_type(std::string_view kind, const std::string& type, std::string_view path,
                                    std::string_view supported);

}  // namespace hone::component_json
