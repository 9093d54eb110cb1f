#include "hone/tokenizer/jinja_filters.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "hone/tokenizer/jinja_access.h"
#include "hone/tokenizer/jinja_error.h"
#include "hone/tokenizer/jinja_json.h"
#include "hone/tokenizer/jinja_strings.h"
#include "hone/tokenizer/jinja_tests.h"

namespace hone::jinja {

namespace {

constexpr std::array kFilters = {"abs",   "attr",       "capitalize", "count",   "d",       "default",    "dictsort", "e",
                                 "escape", "first",     "float",      "format",  "indent",  "int",        "items",    "join",
                                 "last",  "length",     "list",       "lower",   "map",     "max",        "min",      "reject",
                                 "rejectattr", "replace", "reverse",  "round",   "safe",    "select",     "selectattr", "sort",
                                 "string", "sum",       "title",      "tojson",  "trim",    "unique",     "upper",    "wordcount"};

bool flag(const CallArgs& args, size_t index, const char* name, bool fallback) {
  const Value* v = args.get(index, name);
  return v ? truthy(*v) : fallback;
}

std::optional<std::string> optional_string(const CallArgs& args, size_t index, const char* name, const char* filter) {
  const Value* v = args.get(index, name);
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_string()) fail("filter '", filter, "': argument '", name, "' must be a string, got ", type_name(*v));
  return v->str();
}

// The items a filter iterates: list items, dict keys, string characters; undefined is empty.
std::vector<Value> iterate(const Value& value, const char* filter) {
  if (value.is_list()) return value.items();
  if (value.is_undefined()) return {};
  if (value.is_dict()) {
    std::vector<Value> keys;
    for (const auto& [key, item] : value.dict_data().entries) keys.push_back(Value::string(Text::marked(key, item.origin())));
    return keys;
  }
  if (value.is_string()) {
    std::vector<Value> chars;
    const auto offsets = code_point_offsets(value.str());
    for (size_t k = 0; k + 1 < offsets.size(); ++k) chars.push_back(Value::string(value.text().substr(offsets[k], offsets[k + 1])));
    return chars;
  }
  fail("filter '", filter, "' needs a list, dict or string, got ", type_name(value));
}

Value string_of(const Value& v) { return Value::string(to_text(v)); }

// Sort key comparison honouring case_sensitive=False as Jinja2 does (lower-cased strings).
int compare_for_sort(const Value& a, const Value& b, bool case_sensitive) {
  if (!case_sensitive && a.is_string() && b.is_string()) {
    const std::string x = to_lower(a.str()), y = to_lower(b.str());
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  return compare(a, b);
}

Value sort_key(const Value& item, const std::optional<std::string>& attribute) {
  return attribute ? get_attribute_path(item, *attribute) : item;
}

Value filter_default(const Value& operand, const CallArgs& args) {
  const Value* fallback = args.get(0, "default_value");
  const bool boolean = flag(args, 1, "boolean", false);
  if (operand.is_undefined() || (boolean && !truthy(operand))) return fallback ? *fallback : Value::string(Text());
  return operand;
}

Value filter_int(const Value& operand, const CallArgs& args) {
  const Value* fallback = args.get(0, "default");
  const Value fallback_value = fallback ? *fallback : Value::integer(0);
  if (operand.is_int()) return operand;
  if (operand.is_bool()) return Value::integer(operand.as_int());
  if (operand.is_float()) return std::isfinite(operand.as_double()) ? Value::integer(int64_t(operand.as_double())) : fallback_value;
  if (operand.is_string()) {
    const std::string s = strip(operand.text(), std::nullopt, true, true).str;
    std::string digits;
    for (char c : s)
      if (c != '_') digits += c;
    try {
      size_t used = 0;
      const int base = int(args.get(1, "base") ? args.get(1, "base")->as_int() : 10);
      const long long value = std::stoll(digits, &used, base);
      if (used == digits.size() && !digits.empty()) return Value::integer(value);
    } catch (const std::exception&) {
    }
    try {
      size_t used = 0;
      const double value = std::stod(digits, &used);
      if (used == digits.size() && std::isfinite(value)) return Value::integer(int64_t(value));
    } catch (const std::exception&) {
    }
  }
  return fallback_value;
}

Value filter_float(const Value& operand, const CallArgs& args) {
  const Value* fallback = args.get(0, "default");
  const Value fallback_value = fallback ? *fallback : Value::floating(0.0);
  if (operand.is_number()) return Value::floating(operand.as_double());
  if (operand.is_string()) {
    const std::string s = strip(operand.text(), std::nullopt, true, true).str;
    try {
      size_t used = 0;
      const double value = std::stod(s, &used);
      if (used == s.size()) return Value::floating(value);
    } catch (const std::exception&) {
    }
  }
  return fallback_value;
}

Value filter_round(const Value& operand, const CallArgs& args) {
  if (!operand.is_number()) fail("filter 'round' needs a number, got ", type_name(operand));
  const int64_t precision = args.get(0, "precision") ? args.get(0, "precision")->as_int() : 0;
  const std::string method = args.get(1, "method") && args.get(1, "method")->is_string() ? args.get(1, "method")->str() : "common";
  const double scale = std::pow(10.0, double(precision)), x = operand.as_double() * scale;
  double rounded;
  if (method == "common") rounded = std::round(x);
  else if (method == "ceil") rounded = std::ceil(x);
  else if (method == "floor") rounded = std::floor(x);
  else fail("filter 'round': method must be common, ceil or floor, got '", method, "'");
  return Value::floating(rounded / scale);
}

Value filter_indent(const Value& operand, const CallArgs& args) {
  std::string indentation = "    ";
  if (const Value* width = args.get(0, "width")) {
    if (width->is_string()) indentation = width->str();
    else if (width->is_int()) indentation = std::string(size_t(std::max<int64_t>(0, width->as_int())), ' ');
    else fail("filter 'indent': width must be an integer or a string");
  }
  const bool first = flag(args, 1, "first", false), blank = flag(args, 2, "blank", false);
  Text source = to_text(operand);
  source.append("\n");  // Jinja2 appends a newline so splitlines keeps a trailing empty line
  std::vector<Text> lines = splitlines(source);
  Text out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out.append("\n");
    if (i > 0 && (blank || !lines[i].str.empty())) out.append(indentation);
    out.append(lines[i]);
  }
  if (first) {
    Text prefixed(indentation);
    prefixed.append(out);
    return Value::string(std::move(prefixed));
  }
  return Value::string(std::move(out));
}

Value filter_join(const Value& operand, const CallArgs& args) {
  const auto separator = optional_string(args, 0, "d", "join");
  const auto attribute = optional_string(args, 1, "attribute", "join");
  Text out;
  bool first = true;
  for (const Value& item : iterate(operand, "join")) {
    if (!first && separator) out.append(*separator);
    first = false;
    out.append(to_text(attribute ? get_attribute_path(item, *attribute) : item));
  }
  return Value::string(std::move(out));
}

Value filter_select(const std::string& name, const Value& operand, const CallArgs& args) {
  const bool by_attribute = name == "selectattr" || name == "rejectattr";
  const bool keep_matching = name == "select" || name == "selectattr";
  size_t next = 0;
  std::string attribute;
  if (by_attribute) {
    if (args.positional.empty() || !args.positional[0].is_string()) fail("filter '", name, "' needs an attribute name");
    attribute = args.positional[next++].str();
  }
  std::string test;
  if (next < args.positional.size()) {
    if (!args.positional[next].is_string()) fail("filter '", name, "': the test name must be a string");
    test = args.positional[next++].str();
    if (!has_test(test)) fail("filter '", name, "': no test named '", test, "'");
  }
  CallArgs test_args;
  test_args.positional.assign(args.positional.begin() + long(next), args.positional.end());
  std::vector<Value> kept;
  for (const Value& item : iterate(operand, name.c_str())) {
    const Value subject = by_attribute ? get_attribute_path(item, attribute) : item;
    const bool matches = test.empty() ? truthy(subject) : apply_test(test, subject, test_args);
    if (matches == keep_matching) kept.push_back(item);
  }
  return Value::list(std::move(kept));
}

Value filter_map(const Value& operand, const CallArgs& args) {
  std::vector<Value> out;
  if (const Value* attribute = args.keyword_arg("attribute")) {
    if (!attribute->is_string() && !attribute->is_int()) fail("filter 'map': attribute must be a string");
    const std::string path = attribute->is_string() ? attribute->str() : std::to_string(attribute->as_int());
    const Value* fallback = args.keyword_arg("default");
    for (const Value& item : iterate(operand, "map")) {
      Value v = get_attribute_path(item, path);
      out.push_back(v.is_undefined() && fallback ? *fallback : v);
    }
    return Value::list(std::move(out));
  }
  if (args.positional.empty() || !args.positional[0].is_string()) fail("filter 'map' needs a filter name or attribute=...");
  const std::string filter = args.positional[0].str();
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keyword = args.keyword;
  for (const Value& item : iterate(operand, "map")) out.push_back(apply_filter(filter, item, rest));
  return Value::list(std::move(out));
}

Value filter_tojson(const Value& operand, const CallArgs& args) {
  JsonOptions options;
  if (const Value* indent = args.get(0, "indent"); indent && !indent->is_none()) {
    if (!indent->is_int()) fail("filter 'tojson': indent must be an integer");
    options.indent = int(indent->as_int());
  }
  if (const Value* ascii = args.keyword_arg("ensure_ascii")) options.ensure_ascii = truthy(*ascii);
  if (const Value* sort = args.keyword_arg("sort_keys")) options.sort_keys = truthy(*sort);
  if (const Value* separators = args.keyword_arg("separators"); separators && !separators->is_none()) {
    if (!separators->is_list() || separators->items().size() != 2 || !separators->items()[0].is_string() ||
        !separators->items()[1].is_string())
      fail("filter 'tojson': separators must be a pair of strings");
    options.separators = std::make_pair(separators->items()[0].str(), separators->items()[1].str());
  }
  return Value::string(Text::marked(to_json_string(operand, options), find_origin(operand)));
}

Value filter_min_max(bool maximum, const Value& operand, const CallArgs& args) {
  const bool case_sensitive = flag(args, 0, "case_sensitive", false);
  const auto attribute = optional_string(args, 1, "attribute", maximum ? "max" : "min");
  std::vector<Value> items = iterate(operand, maximum ? "max" : "min");
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  const Value* best = &items[0];
  for (const Value& item : items) {
    const int c = compare_for_sort(sort_key(item, attribute), sort_key(*best, attribute), case_sensitive);
    if (maximum ? c > 0 : c < 0) best = &item;
  }
  return *best;
}

Value filter_sum(const Value& operand, const CallArgs& args) {
  const auto attribute = optional_string(args, 0, "attribute", "sum");
  Value total = args.get(1, "start") ? *args.get(1, "start") : Value::integer(0);
  for (const Value& item : iterate(operand, "sum")) {
    const Value v = sort_key(item, attribute);
    if (!v.is_number() || !total.is_number()) fail("filter 'sum' needs numbers, got ", type_name(v));
    total = (v.is_float() || total.is_float()) ? Value::floating(total.as_double() + v.as_double()) : Value::integer(total.as_int() + v.as_int());
  }
  return total;
}

// Python's %-formatting for the `format` filter: %s, %r, %d, %i, %f and %%.
Value filter_format(const Value& operand, const CallArgs& args) {
  if (!operand.is_string()) fail("filter 'format' needs a format string");
  const std::string& s = operand.str();
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (++i >= s.size()) fail("filter 'format': incomplete format");
    const char spec = s[i];
    if (spec == '%') {
      out += '%';
      continue;
    }
    if (next >= args.positional.size()) fail("filter 'format': not enough arguments for format string");
    const Value& v = args.positional[next++];
    if (spec == 's') out += to_text(v).str;
    else if (spec == 'r') out += repr(v);
    else if ((spec == 'd' || spec == 'i') && v.is_number()) out += std::to_string(v.is_float() ? int64_t(v.as_double()) : v.as_int());
    else if (spec == 'f' && v.is_number()) {
      char buffer[64];
      std::snprintf(buffer, sizeof buffer, "%f", v.as_double());
      out += buffer;
    } else {
      fail("filter 'format': unsupported conversion '%", spec, "' for ", type_name(v));
    }
  }
  return Value::string(Text(out));
}

Value filter_escape(const Value& operand) {
  std::string out;
  for (char c : to_text(operand).str) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value::string(Text::marked(out, find_origin(operand)));
}

int64_t word_count(const std::string& s) {
  int64_t words = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    utf8proc_int32_t cp = 0;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i), utf8proc_ssize_t(s.size() - i), &cp);
    if (n <= 0) n = 1;
    i += size_t(n);
    const auto cat = utf8proc_category(cp);
    const bool word = cp == '_' || (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO) ||
                      cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC;
    if (word && !in_word) ++words;
    in_word = word;
  }
  return words;
}

}  // namespace

bool has_filter(const std::string& name) {
  return std::any_of(kFilters.begin(), kFilters.end(), [&](const char* f) { return name == f; });
}

Value apply_filter(const std::string& name, const Value& operand, const CallArgs& args) {
  if (name == "default" || name == "d") return filter_default(operand, args);
  if (name == "safe") return operand;
  if (name == "tojson") return filter_tojson(operand, args);
  if (name == "length" || name == "count") {
    if (operand.is_string()) return Value::integer(int64_t(code_point_count(operand.str())));
    if (operand.is_list()) return Value::integer(int64_t(operand.items().size()));
    if (operand.is_dict()) return Value::integer(int64_t(operand.dict_data().entries.size()));
    if (operand.is_undefined()) return Value::integer(0);
    fail("object of type '", type_name(operand), "' has no len()");
  }
  if (name == "string") return string_of(operand);
  if (name == "trim") return Value::string(strip(to_text(operand), optional_string(args, 0, "chars", "trim"), true, true));
  if (name == "upper") return Value::string(carry_marks(to_text(operand), to_upper(to_text(operand).str)));
  if (name == "lower") return Value::string(carry_marks(to_text(operand), to_lower(to_text(operand).str)));
  if (name == "title") return Value::string(carry_marks(to_text(operand), jinja_title(to_text(operand).str)));
  if (name == "capitalize") return Value::string(carry_marks(to_text(operand), python_capitalize(to_text(operand).str)));
  if (name == "replace") {
    const Value* old = args.get(0, "old");
    const Value* replacement = args.get(1, "new");
    if (!old || !replacement) fail("filter 'replace' needs old and new strings");
    const Value* count = args.get(2, "count");
    return Value::string(replace(to_text(operand), to_text(*old).str, to_text(*replacement),
                                 count && !count->is_none() ? count->as_int() : -1));
  }
  if (name == "first" || name == "last") {
    std::vector<Value> items = iterate(operand, name.c_str());
    if (items.empty()) return Value::undefined("No " + name + " item, sequence was empty.");
    return name == "first" ? items.front() : items.back();
  }
  if (name == "list") return Value::list(iterate(operand, "list"));
  if (name == "reverse") {
    if (operand.is_string()) {
      std::vector<Value> chars = iterate(operand, "reverse");
      Text out;
      for (auto it = chars.rbegin(); it != chars.rend(); ++it) out.append(it->text());
      return Value::string(std::move(out));
    }
    std::vector<Value> items = iterate(operand, "reverse");
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
  }
  if (name == "join") return filter_join(operand, args);
  if (name == "items") {
    if (operand.is_undefined()) return Value::list();
    if (!operand.is_dict()) fail("filter 'items' needs a mapping, got ", type_name(operand));
    std::vector<Value> pairs;
    for (const auto& [key, value] : operand.dict_data().entries)
      pairs.push_back(Value::list({Value::string(Text::marked(key, value.origin())), value}, true));
    return Value::list(std::move(pairs));
  }
  if (name == "dictsort") {
    if (!operand.is_dict()) fail("filter 'dictsort' needs a mapping, got ", type_name(operand));
    const bool case_sensitive = flag(args, 0, "case_sensitive", false);
    const std::string by = optional_string(args, 1, "by", "dictsort").value_or("key");
    if (by != "key" && by != "value") fail("filter 'dictsort': by must be 'key' or 'value'");
    const bool reverse = flag(args, 2, "reverse", false);
    std::vector<Value> pairs = apply_filter("items", operand, {}).items();
    std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& a, const Value& b) {
      const size_t k = by == "key" ? 0 : 1;
      const int c = compare_for_sort(a.items()[k], b.items()[k], case_sensitive);
      return reverse ? c > 0 : c < 0;
    });
    return Value::list(std::move(pairs));
  }
  if (name == "selectattr" || name == "rejectattr" || name == "select" || name == "reject") return filter_select(name, operand, args);
  if (name == "map") return filter_map(operand, args);
  if (name == "unique") {
    const bool case_sensitive = flag(args, 0, "case_sensitive", false);
    const auto attribute = optional_string(args, 1, "attribute", "unique");
    std::vector<Value> kept, keys;
    for (const Value& item : iterate(operand, "unique")) {
      Value key = sort_key(item, attribute);
      if (!case_sensitive && key.is_string()) key = Value::string(Text(to_lower(key.str())));
      if (std::none_of(keys.begin(), keys.end(), [&](const Value& k) { return equals(k, key); })) {
        keys.push_back(key);
        kept.push_back(item);
      }
    }
    return Value::list(std::move(kept));
  }
  if (name == "sort") {
    const bool reverse = flag(args, 0, "reverse", false), case_sensitive = flag(args, 1, "case_sensitive", false);
    const auto attribute = optional_string(args, 2, "attribute", "sort");
    std::vector<Value> items = iterate(operand, "sort");
    std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
      const int c = compare_for_sort(sort_key(a, attribute), sort_key(b, attribute), case_sensitive);
      return reverse ? c > 0 : c < 0;
    });
    return Value::list(std::move(items));
  }
  if (name == "int") return filter_int(operand, args);
  if (name == "float") return filter_float(operand, args);
  if (name == "abs") {
    if (operand.is_float()) return Value::floating(std::fabs(operand.as_double()));
    if (operand.is_int() || operand.is_bool()) return Value::integer(std::llabs(operand.as_int()));
    fail("bad operand type for abs(): '", type_name(operand), "'");
  }
  if (name == "round") return filter_round(operand, args);
  if (name == "indent") return filter_indent(operand, args);
  if (name == "wordcount") return Value::integer(word_count(to_text(operand).str));
  if (name == "min" || name == "max") return filter_min_max(name == "max", operand, args);
  if (name == "sum") return filter_sum(operand, args);
  if (name == "format") return filter_format(operand, args);
  if (name == "e" || name == "escape") return filter_escape(operand);
  if (name == "attr") {
    const auto attribute = optional_string(args, 0, "name", "attr");
    if (!attribute) fail("filter 'attr' needs an attribute name");
    if (operand.is_dict() && operand.dict_data().is_namespace) {
      const Value* found = operand.dict_data().find(*attribute);
      return found ? *found : Value::undefined("namespace has no attribute '" + *attribute + "'");
    }
    return Value::undefined("'" + type_name(operand) + " object' has no attribute '" + *attribute + "'");
  }
  fail("no filter named '", name, "'");
}

}  // namespace hone::jinja
