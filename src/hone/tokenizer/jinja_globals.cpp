#include "hone/tokenizer/jinja_globals.h"

#include <chrono>

#include "hone/tokenizer/jinja_error.h"

namespace hone::jinja {

namespace {

Value range(const CallArgs& args) {
  if (!args.keyword.empty()) fail("range() takes no keyword arguments");
  std::vector<int64_t> numbers;
  for (const Value& v : args.positional) {
    if (!v.is_int() && !v.is_bool()) fail("range() arguments must be integers, got ", type_name(v));
    numbers.push_back(v.as_int());
  }
  int64_t start = 0, stop = 0, step = 1;
  if (numbers.size() == 1) stop = numbers[0];
  else if (numbers.size() == 2 || numbers.size() == 3) {
    start = numbers[0];
    stop = numbers[1];
    if (numbers.size() == 3) step = numbers[2];
  } else {
    fail("range() takes 1 to 3 arguments, got ", numbers.size());
  }
  if (step == 0) fail("range() step must not be zero");
  std::vector<Value> items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (items.size() >= 1'000'000) fail("range() is too large (more than 1000000 items)");
    items.push_back(Value::integer(i));
  }
  return Value::list(std::move(items));
}

Value make_namespace(const CallArgs& args) {
  Value ns = Value::namespace_object();
  if (args.positional.size() > 1) fail("namespace() takes at most one positional argument");
  if (!args.positional.empty()) {
    const Value& source = args.positional[0];
    if (!source.is_dict()) fail("namespace() argument must be a mapping, got ", type_name(source));
    for (const auto& [key, value] : source.dict_data().entries) ns.dict_data().set(key, value);
  }
  for (const auto& [key, value] : args.keyword) ns.dict_data().set(key, value);
  return ns;
}

Value make_dict(const CallArgs& args) {
  Value dict = Value::dict();
  if (!args.positional.empty()) fail("dict() takes keyword arguments only");
  for (const auto& [key, value] : args.keyword) dict.dict_data().set(key, value);
  return dict;
}

std::tm local_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm out{};
  localtime_r(&t, &out);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, Value>> builtin_globals(const std::function<std::tm()>& now) {
  std::vector<std::pair<std::string, Value>> globals;
  globals.emplace_back("range", Value::callable("range", range));
  globals.emplace_back("namespace", Value::callable("namespace", make_namespace));
  globals.emplace_back("dict", Value::callable("dict", make_dict));
  globals.emplace_back("raise_exception", Value::callable("raise_exception", [](const CallArgs& args) -> Value {
    const Value* message = args.get(0, "message");
    fail("template raised an exception: ", message ? to_text(*message).str : std::string("(no message)"));
  }));
  globals.emplace_back("strftime_now", Value::callable("strftime_now", [now](const CallArgs& args) {
    const Value* format = args.get(0, "format");
    if (!format || !format->is_string()) fail("strftime_now() needs a format string");
    const std::tm time = now ? now() : local_now();
    char buffer[512];
    const size_t n = format->str().empty() ? 0 : std::strftime(buffer, sizeof buffer, format->str().c_str(), &time);
    if (n == 0 && !format->str().empty()) fail("strftime_now(): the format produced nothing or too much: '", format->str(), "'");
    return Value::string(Text(std::string(buffer, n)));
  }));
  return globals;
}

}  // namespace hone::jinja
