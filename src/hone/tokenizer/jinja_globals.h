// The global functions a chat template can call: Jinja2's range, dict and namespace, plus
// transformers' raise_exception and strftime_now.
#pragma once

#include <ctime>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "hone/tokenizer/jinja_value.h"

namespace hone::jinja {

std::vector<std::pair<std::string, Value>> builtin_globals(const std::function<std::tm()>& now);

}  // namespace hone::jinja
