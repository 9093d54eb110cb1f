// Moving between JSON and template values: conversations and tool schemas come in as JSON, and
// the `tojson` filter writes JSON exactly as transformers does (Python's json.dumps with
// ensure_ascii=False: ", " and ": " separators, or "," with an indent).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "hone/tokenizer/jinja_value.h"

namespace hone::jinja {

// Every value (and every string byte) is marked as coming from message `origin` (-1: none).
Value from_json(const nlohmann::ordered_json& json, int32_t origin = -1);

struct JsonOptions {
  std::optional<int> indent;
  bool ensure_ascii = false;
  bool sort_keys = false;
  std::optional<std::pair<std::string, std::string>> separators;  // item, key
};

// json.dumps(value, ...). Undefined values and callables are an error, as in Python.
std::string to_json_string(const Value& value, const JsonOptions& options = {});

// The first message origin found in the value (itself, its strings, its items), or -1.
int32_t find_origin(const Value& value);

}  // namespace hone::jinja
