#include "hone/tokenizer/jinja_tests.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "hone/tokenizer/jinja_error.h"
#include "hone/tokenizer/jinja_strings.h"

namespace hone::jinja {

namespace {

constexpr std::array kTests = {"defined", "undefined", "none",    "boolean", "true",     "false",   "integer",   "float",
                               "number",  "string",    "mapping", "iterable", "sequence", "callable", "odd",      "even",
                               "divisibleby", "equalto", "eq",    "==",      "sameas",   "ne",      "!=",        "lt",
                               "<",       "lessthan",  "le",      "<=",      "gt",       ">",       "greaterthan", "ge",
                               ">=",      "in",        "lower",   "upper",   "escaped",  "filter",  "test"};

const Value& argument(const std::string& test, const CallArgs& args) {
  if (args.positional.empty()) fail("test '", test, "' needs an argument");
  return args.positional[0];
}

}  // namespace

bool contains_value(const Value& container, const Value& needle) {
  if (container.is_string()) {
    if (!needle.is_string()) fail("'in <string>' requires a string as left operand, not ", type_name(needle));
    return container.str().find(needle.str()) != std::string::npos;
  }
  if (container.is_list())
    return std::any_of(container.items().begin(), container.items().end(), [&](const Value& v) { return equals(v, needle); });
  if (container.is_dict()) return needle.is_string() && container.dict_data().find(needle.str()) != nullptr;
  if (container.is_undefined()) return false;
  fail("argument of type '", type_name(container), "' is not iterable");
}

bool has_test(const std::string& name) {
  return std::any_of(kTests.begin(), kTests.end(), [&](const char* t) { return name == t; });
}

bool apply_test(const std::string& name, const Value& value, const CallArgs& args) {
  if (name == "defined") return !value.is_undefined();
  if (name == "undefined") return value.is_undefined();
  if (name == "none") return value.is_none();
  if (name == "boolean") return value.is_bool();
  if (name == "true") return value.is_bool() && value.as_bool();
  if (name == "false") return value.is_bool() && !value.as_bool();
  if (name == "integer") return value.is_int();
  if (name == "float") return value.is_float();
  if (name == "number") return value.is_number();
  if (name == "string") return value.is_string();
  if (name == "mapping") return value.is_dict() && !value.dict_data().is_namespace;
  if (name == "iterable") return value.is_string() || value.is_list() || value.is_dict() || value.is_undefined();
  if (name == "sequence") return value.is_string() || value.is_list() || value.is_dict();
  if (name == "callable") return value.is_callable();
  if (name == "escaped") return false;
  if (name == "odd" || name == "even") {
    if (!value.is_int() && !value.is_bool()) fail("test '", name, "' needs an integer, got ", type_name(value));
    const int64_t remainder = value.as_int() % 2;
    return name == "odd" ? remainder != 0 : remainder == 0;
  }
  if (name == "divisibleby") {
    const Value& d = argument(name, args);
    if (!value.is_number() || !d.is_number()) fail("test 'divisibleby' needs numbers");
    if (d.as_double() == 0) fail("test 'divisibleby': division by zero");
    if (value.is_float() || d.is_float()) return std::fmod(value.as_double(), d.as_double()) == 0;
    return value.as_int() % d.as_int() == 0;
  }
  if (name == "equalto" || name == "eq" || name == "==") return equals(value, argument(name, args));
  if (name == "ne" || name == "!=") return !equals(value, argument(name, args));
  if (name == "sameas") {
    const Value& other = argument(name, args);
    if (value.is_none() || value.is_bool() || value.is_undefined()) return value.kind() == other.kind() && equals(value, other);
    return equals(value, other) && value.kind() == other.kind();
  }
  if (name == "lt" || name == "<" || name == "lessthan") return compare(value, argument(name, args)) < 0;
  if (name == "le" || name == "<=") return compare(value, argument(name, args)) <= 0;
  if (name == "gt" || name == ">" || name == "greaterthan") return compare(value, argument(name, args)) > 0;
  if (name == "ge" || name == ">=") return compare(value, argument(name, args)) >= 0;
  if (name == "in") return contains_value(argument(name, args), value);
  if (name == "lower" || name == "upper") {
    if (!value.is_string()) return false;
    return string_predicate(value.str(), name == "lower" ? "islower" : "isupper");
  }
  fail("no test named '", name, "'");
}

}  // namespace hone::jinja
