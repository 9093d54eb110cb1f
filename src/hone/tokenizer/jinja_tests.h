// Jinja tests (`x is defined`, `x is string`, `n is divisibleby 3`, ...) with Jinja2's meaning;
// selectattr/select use them too.
#pragma once

#include <string>

#include "hone/tokenizer/jinja_value.h"

namespace hone::jinja {

bool has_test(const std::string& name);
// Error naming the test when it is unknown or its arguments are wrong.
bool apply_test(const std::string& name, const Value& value, const CallArgs& args);
// Python's `needle in container` for strings, lists, dicts (keys) and undefined (empty).
bool contains_value(const Value& container, const Value& needle);

}  // namespace hone::jinja
