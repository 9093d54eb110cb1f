// Jinja filters (`x | trim`, `xs | selectattr("role", "equalto", "user")`, `x | tojson(indent=2)`)
// with Jinja2's meaning, and tojson as transformers overrides it (json.dumps, ensure_ascii off).
#pragma once

#include <string>

#include "hone/tokenizer/jinja_value.h"

namespace hone::jinja {

bool has_filter(const std::string& name);
// Error naming the filter when it is unknown or misused.
Value apply_filter(const std::string& name, const Value& operand, const CallArgs& args);

}  // namespace hone::jinja
