// The Python methods templates call on values: str (startswith, strip, split, replace, format,
// ...), dict (items, keys, values, get) and list (index, count). Mutating methods (append,
// update, pop) are refused with a clear error, as transformers' immutable sandbox does.
#pragma once

#include <string>

#include "hone/tokenizer/jinja_value.h"

namespace hone::jinja {

bool has_method(const Value& object, const std::string& name);
// The method bound to `object` as a callable value.
Value bind_method(const Value& object, const std::string& name);

}  // namespace hone::jinja
