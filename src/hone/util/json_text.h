// Parsing JSON text that came from a file: every failure nlohmann can raise while parsing (bad
// syntax, a number outside double's range such as 1e999) becomes one hone::Error that names the
// file and, for a bad value, the key it belongs to.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace hone {

// `source` names where the text came from (a path) and starts the error message.
nlohmann::json parse_json(const std::string& text, const std::string& source);
nlohmann::ordered_json parse_ordered_json(const std::string& text, const std::string& source);

// read_file(path) then parse_json(text, path).
nlohmann::json read_json_file(const std::string& path);

// For a value already parsed: "<source>: key '<key>': <what>" when a get<>() or at() fails.
[[noreturn]] void fail_json_key(const std::string& source, const std::string& key, const std::string& what);

}  // namespace hone
