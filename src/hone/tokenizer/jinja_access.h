// Attribute and item lookup as Jinja2 does it: `a.b` tries the Python attribute (a method such
// as dict.items) before the key, `a['b']` the key before the attribute; a missing key gives
// undefined (which prints empty) and using an undefined value any further is an error.
#pragma once

#include <string>

#include "hone/tokenizer/jinja_value.h"

namespace hone::jinja {

Value get_attribute(const Value& object, const std::string& name);
Value get_item(const Value& object, const Value& key);
// For filters taking attribute="a.b.0": dotted lookup, digits index lists.
Value get_attribute_path(const Value& object, const std::string& path);
// obj[start:stop:step] on lists, tuples and strings (code points), with Python's clamping.
Value slice_value(const Value& object, const Value& start, const Value& stop, const Value& step);
// Throws the "'x' is undefined" error for a misused undefined value.
[[noreturn]] void undefined_error(const Value& undefined);

}  // namespace hone::jinja
