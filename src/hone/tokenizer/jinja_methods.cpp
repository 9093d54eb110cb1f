#include "hone/tokenizer/jinja_methods.h"

#include <algorithm>
#include <array>

#include "hone/tokenizer/jinja_error.h"
#include "hone/tokenizer/jinja_strings.h"

namespace hone::jinja {

namespace {

constexpr std::array kStringMethods = {"startswith", "endswith", "strip",   "lstrip",  "rstrip",     "split",   "rsplit",
                                       "splitlines", "upper",    "lower",   "title",   "capitalize", "replace", "find",
                                       "rfind",      "index",    "count",   "join",    "format",     "isdigit", "isalpha",
                                       "isalnum",    "isspace",  "isupper", "islower", "removeprefix", "removesuffix"};
constexpr std::array kDictMethods = {"items", "keys", "values", "get"};
constexpr std::array kListMethods = {"index", "count"};
constexpr std::array kMutators = {"append", "extend", "pop", "insert", "remove", "update", "clear", "setdefault", "sort",
                                  "reverse", "popitem"};

template <size_t N>
bool contains(const std::array<const char*, N>& names, const std::string& name) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return name == n; });
}

const std::string& string_arg(const CallArgs& args, size_t index, const char* name, const char* method) {
  const Value* v = args.get(index, name);
  if (!v) fail(method, "() missing argument '", name, "'");
  if (!v->is_string()) fail(method, "() argument '", name, "' must be a string, got ", type_name(*v));
  return v->str();
}

std::optional<std::string> optional_string_arg(const CallArgs& args, size_t index, const char* name, const char* method) {
  const Value* v = args.get(index, name);
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_string()) fail(method, "() argument '", name, "' must be a string or None, got ", type_name(*v));
  return v->str();
}

int64_t int_arg(const CallArgs& args, size_t index, const char* name, int64_t fallback, const char* method) {
  const Value* v = args.get(index, name);
  if (!v || v->is_none()) return fallback;
  if (!v->is_int() && !v->is_bool()) fail(method, "() argument '", name, "' must be an integer, got ", type_name(*v));
  return v->as_int();
}

Value text_list(std::vector<Text> parts) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (Text& part : parts) items.push_back(Value::string(std::move(part)));
  return Value::list(std::move(items));
}

bool affix_matches(const Value& self, const CallArgs& args, bool prefix) {
  const char* method = prefix ? "startswith" : "endswith";
  const Value* pattern = args.get(0, prefix ? "prefix" : "suffix");
  if (!pattern) fail(method, "() takes at least 1 argument");
  const std::string& s = self.str();
  auto test = [&](const Value& p) {
    if (!p.is_string()) fail(method, "() arguments must be strings, got ", type_name(p));
    const std::string& a = p.str();
    return a.size() <= s.size() && (prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0);
  };
  if (pattern->is_list()) return std::any_of(pattern->items().begin(), pattern->items().end(), test);
  return test(*pattern);
}

// str.format with {} / {0} / {name} fields (no format specs).
Value format_string(const Value& self, const CallArgs& args) {
  const std::string& s = self.str();
  Text out;
  size_t auto_index = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '{' && i + 1 < s.size() && s[i + 1] == '{') {
      out.append("{");
      ++i;
    } else if (s[i] == '}' && i + 1 < s.size() && s[i + 1] == '}') {
      out.append("}");
      ++i;
    } else if (s[i] == '{') {
      const size_t close = s.find('}', i);
      if (close == std::string::npos) fail("format(): unmatched '{' in format string");
      const std::string field = s.substr(i + 1, close - i - 1);
      if (field.find(':') != std::string::npos || field.find('!') != std::string::npos) fail("format(): format specs are not supported");
      const Value* value = nullptr;
      if (field.empty()) {
        value = auto_index < args.positional.size() ? &args.positional[auto_index++] : nullptr;
      } else if (std::all_of(field.begin(), field.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        const size_t index = std::stoul(field);
        value = index < args.positional.size() ? &args.positional[index] : nullptr;
      } else {
        value = args.keyword_arg(field);
      }
      if (!value) fail("format(): no argument for field {", field, "}");
      out.append(to_text(*value));
      i = close;
    } else {
      out.append(std::string_view(&s[i], 1));
    }
  }
  return Value::string(std::move(out));
}

Value call_string_method(const Value& self, const std::string& name, const CallArgs& args) {
  const Text& text = self.text();
  if (name == "startswith") return Value::boolean(affix_matches(self, args, true));
  if (name == "endswith") return Value::boolean(affix_matches(self, args, false));
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const auto chars = optional_string_arg(args, 0, "chars", name.c_str());
    return Value::string(strip(text, chars, name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    const auto sep = optional_string_arg(args, 0, "sep", name.c_str());
    return text_list(split(text, sep, int_arg(args, 1, "maxsplit", -1, name.c_str()), name == "rsplit"));
  }
  if (name == "splitlines") return text_list(splitlines(text));
  if (name == "upper") return Value::string(carry_marks(text, to_upper(text.str)));
  if (name == "lower") return Value::string(carry_marks(text, to_lower(text.str)));
  if (name == "title") return Value::string(carry_marks(text, python_title(text.str)));
  if (name == "capitalize") return Value::string(carry_marks(text, python_capitalize(text.str)));
  if (name == "replace") {
    const std::string& old = string_arg(args, 0, "old", "replace");
    const Value* replacement = args.get(1, "new");
    if (!replacement || !replacement->is_string()) fail("replace() argument 'new' must be a string");
    return Value::string(replace(text, old, replacement->text(), int_arg(args, 2, "count", -1, "replace")));
  }
  if (name == "find" || name == "rfind" || name == "index") {
    const int64_t at = find(text.str, string_arg(args, 0, "sub", name.c_str()), name == "rfind");
    if (name == "index" && at < 0) fail("index(): substring not found");
    return Value::integer(at);
  }
  if (name == "count") return Value::integer(count(text.str, string_arg(args, 0, "sub", "count")));
  if (name == "join") {
    const Value* items = args.get(0, "iterable");
    if (!items || !items->is_list()) fail("join() argument must be a list of strings");
    Text out;
    for (size_t i = 0; i < items->items().size(); ++i) {
      const Value& item = items->items()[i];
      if (!item.is_string()) fail("join(): sequence item ", i, ": expected str instance, ", type_name(item), " found");
      if (i) out.append(text);
      out.append(item.text());
    }
    return Value::string(std::move(out));
  }
  if (name == "format") return format_string(self, args);
  if (name == "removeprefix" || name == "removesuffix") {
    const std::string& affix = string_arg(args, 0, name == "removeprefix" ? "prefix" : "suffix", name.c_str());
    const std::string& s = text.str;
    if (affix.size() > s.size()) return self;
    if (name == "removeprefix" && s.compare(0, affix.size(), affix) == 0) return Value::string(text.substr(affix.size(), s.size()));
    if (name == "removesuffix" && s.compare(s.size() - affix.size(), affix.size(), affix) == 0)
      return Value::string(text.substr(0, s.size() - affix.size()));
    return self;
  }
  return Value::boolean(string_predicate(text.str, name));  // the is* predicates
}

Value call_dict_method(const Value& self, const std::string& name, const CallArgs& args) {
  const DictData& dict = self.dict_data();
  if (name == "get") {
    const Value* key = args.get(0, "key");
    if (!key) fail("get() takes at least 1 argument");
    if (key->is_string())
      if (const Value* found = dict.find(key->str())) return *found;
    const Value* fallback = args.get(1, "default");
    return fallback ? *fallback : Value::none();
  }
  std::vector<Value> items;
  for (const auto& [key, value] : dict.entries) {
    Value key_value = Value::string(Text::marked(key, value.origin()));
    if (name == "keys") items.push_back(key_value);
    else if (name == "values") items.push_back(value);
    else items.push_back(Value::list({key_value, value}, true));
  }
  return Value::list(std::move(items));
}

Value call_list_method(const Value& self, const std::string& name, const CallArgs& args) {
  const Value* needle = args.get(0, "value");
  if (!needle) fail(name, "() takes exactly one argument");
  const auto& items = self.items();
  if (name == "count") return Value::integer(std::count_if(items.begin(), items.end(), [&](const Value& v) { return equals(v, *needle); }));
  for (size_t i = 0; i < items.size(); ++i)
    if (equals(items[i], *needle)) return Value::integer(int64_t(i));
  fail("index(): ", repr(*needle), " is not in list");
}

}  // namespace

bool has_method(const Value& object, const std::string& name) {
  if (object.is_string()) return contains(kStringMethods, name);
  if (object.is_dict()) return !object.dict_data().is_namespace && (contains(kDictMethods, name) || contains(kMutators, name));
  if (object.is_list()) return contains(kListMethods, name) || contains(kMutators, name);
  return false;
}

Value bind_method(const Value& object, const std::string& name) {
  if (contains(kMutators, name)) {
    return Value::callable(name, [name, type = type_name(object)](const CallArgs&) -> Value {
      fail(type, ".", name, "() is not allowed: chat templates render in an immutable sandbox (as in transformers)");
    });
  }
  return Value::callable(name, [object, name](const CallArgs& args) {
    if (object.is_string()) return call_string_method(object, name, args);
    if (object.is_dict()) return call_dict_method(object, name, args);
    return call_list_method(object, name, args);
  });
}

}  // namespace hone::jinja
