#include "hone/tokenizer/component_json.h"

#include "hone/util/error.h"

namespace hone::component_json {

std::string child_path(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : cat(path, ".", key);
}

std::string index_path(std::string_view path, size_t index) { return cat(path, "[", index, "]"); }

std::string type_of(const json& component, std::string_view path) {
  HONE_CHECK(component.is_object(), path, ": expected an object with a \"type\", got ", component.type_name());
  auto it = component.find("type");
  HONE_CHECK(it != component.end() && it->is_string(), path, ": missing the string key \"type\"");
  return it->get<std::string>();
}

const json& require(const json& object, std::string_view key, std::string_view path) {
  HONE_CHECK(object.is_object(), path, ": expected an object, got ", object.type_name());
  auto it = object.find(key);
  HONE_CHECK(it != object.end(), child_path(path, key), ": missing");
  return *it;
}

std::string require_string(const json& object, std::string_view key, std::string_view path) {
  const json& value = require(object, key, path);
  HONE_CHECK(value.is_string(), child_path(path, key), ": expected a string, got ", value.type_name());
  return value.get<std::string>();
}

const json& require_array(const json& object, std::string_view key, std::string_view path) {
  const json& value = require(object, key, path);
  HONE_CHECK(value.is_array(), child_path(path, key), ": expected an array, got ", value.type_name());
  return value;
}

bool bool_or(const json& object, std::string_view key, bool fallback, std::string_view path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  HONE_CHECK(it->is_boolean(), child_path(path, key), ": expected true or false, got ", it->type_name());
  return it->get<bool>();
}

std::string string_or(const json& object, std::string_view key, std::string_view fallback, std::string_view path) {
  auto value = optional_string(object, key, path);
  return value ? *value : std::string(fallback);
}

int64_t int_or(const json& object, std::string_view key, int64_t fallback, std::string_view path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  HONE_CHECK(it->is_number_integer(), child_path(path, key), ": expected an integer, got ", it->type_name());
  return it->get<int64_t>();
}

std::optional<std::string> optional_string(const json& object, std::string_view key, std::string_view path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  HONE_CHECK(it->is_string(), child_path(path, key), ": expected a string, got ", it->type_name());
  return it->get<std::string>();
}

Pattern pattern_of(const json& object, std::string_view path) {
  const std::string at = child_path(path, "pattern");
  const json& pattern = require(object, "pattern", path);
  HONE_CHECK(pattern.is_object() && pattern.size() == 1, at,
             ": expected {\"String\": ...} or {\"Regex\": ...}, got ", pattern.dump());
  if (auto it = pattern.find("String"); it != pattern.end() && it->is_string()) return {false, it->get<std::string>()};
  if (auto it = pattern.find("Regex"); it != pattern.end() && it->is_string()) return {true, it->get<std::string>()};
  HONE_FAIL(at, ": expected {\"String\": ...} or {\"Regex\": ...}, got ", pattern.dump());
}

void fail_unknown_type(std::string_view kind, const std::string& type, std::string_view path, std::string_view supported) {
  HONE_FAIL(path, ": unknown ", kind, " type \"", type, "\" (supported: ", supported, ")");
}

}  // namespace hone::component_json
