#include "hone/tokenizer/jinja_access.h"

#include <algorithm>

#include "hone/tokenizer/jinja_error.h"
#include "hone/tokenizer/jinja_methods.h"
#include "hone/tokenizer/jinja_strings.h"

namespace hone::jinja {

namespace {

std::string object_label(const Value& object) { return cat("'", type_name(object), " object'"); }

Value missing(const Value& object, const std::string& what) {
  return Value::undefined(object_label(object) + " has no attribute " + what);
}

}  // namespace

void undefined_error(const Value& undefined) {
  fail(undefined.undefined_hint().empty() ? std::string("a value is undefined") : undefined.undefined_hint());
}

Value get_attribute(const Value& object, const std::string& name) {
  if (object.is_undefined()) undefined_error(object);
  if (object.is_dict()) {
    const DictData& dict = object.dict_data();
    if (!dict.is_namespace && has_method(object, name)) return bind_method(object, name);
    if (const Value* found = dict.find(name)) return *found;
    return missing(object, cat("'", name, "'"));
  }
  if (has_method(object, name)) return bind_method(object, name);
  return missing(object, cat("'", name, "'"));
}

Value get_item(const Value& object, const Value& key) {
  if (object.is_undefined()) undefined_error(object);
  if (object.is_dict()) {
    if (key.is_string()) {
      if (const Value* found = object.dict_data().find(key.str())) return *found;
      if (!object.dict_data().is_namespace && has_method(object, key.str())) return bind_method(object, key.str());
      return missing(object, cat("'", key.str(), "'"));
    }
    return missing(object, repr(key));
  }
  if ((object.is_list() || object.is_string()) && (key.is_int() || key.is_bool())) {
    int64_t index = key.as_int();
    if (object.is_list()) {
      const auto& items = object.items();
      if (index < 0) index += int64_t(items.size());
      if (index < 0 || index >= int64_t(items.size())) return Value::undefined(object_label(object) + " has no element " + std::to_string(key.as_int()));
      return items[size_t(index)];
    }
    const auto offsets = code_point_offsets(object.str());
    const int64_t n = int64_t(offsets.size()) - 1;
    if (index < 0) index += n;
    if (index < 0 || index >= n) return Value::undefined("'str object' has no element " + std::to_string(key.as_int()));
    return Value::string(object.text().substr(offsets[size_t(index)], offsets[size_t(index) + 1]));
  }
  if (key.is_string() && has_method(object, key.str())) return bind_method(object, key.str());
  return missing(object, repr(key));
}

Value get_attribute_path(const Value& object, const std::string& path) {
  Value current = object;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    current = numeric ? get_item(current, Value::integer(std::stoll(part))) : get_item(current, Value::string(Text(part)));
    if (dot == std::string::npos || current.is_undefined()) return current;
    start = dot + 1;
  }
}

Value slice_value(const Value& object, const Value& start_value, const Value& stop_value, const Value& step_value) {
  if (object.is_undefined()) undefined_error(object);
  auto as_index = [](const Value& v, const char* what) -> std::optional<int64_t> {
    if (v.is_undefined() || v.is_none()) return std::nullopt;
    if (!v.is_int() && !v.is_bool()) fail("slice ", what, " must be an integer or None, got ", type_name(v));
    return v.as_int();
  };
  const int64_t step = as_index(step_value, "step").value_or(1);
  if (step == 0) fail("slice step cannot be zero");
  std::vector<size_t> offsets;
  int64_t length;
  if (object.is_list()) {
    length = int64_t(object.items().size());
  } else if (object.is_string()) {
    offsets = code_point_offsets(object.str());
    length = int64_t(offsets.size()) - 1;
  } else {
    fail("cannot slice a value of type ", type_name(object));
  }
  // Python's PySlice_AdjustIndices.
  auto adjust = [&](std::optional<int64_t> v, int64_t fallback) {
    if (!v) return fallback;
    int64_t i = *v;
    if (i < 0) {
      i += length;
      if (i < 0) i = step < 0 ? -1 : 0;
    } else if (i >= length) {
      i = step < 0 ? length - 1 : length;
    }
    return i;
  };
  const int64_t start = adjust(as_index(start_value, "start"), step < 0 ? length - 1 : 0);
  const int64_t stop = adjust(as_index(stop_value, "stop"), step < 0 ? -1 : length);
  std::vector<int64_t> picked;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) picked.push_back(i);
  if (object.is_list()) {
    std::vector<Value> items;
    for (int64_t i : picked) items.push_back(object.items()[size_t(i)]);
    return Value::list(std::move(items), object.list_data().is_tuple);
  }
  Text out;
  if (step == 1 && !picked.empty()) return Value::string(object.text().substr(offsets[size_t(picked.front())], offsets[size_t(picked.back()) + 1]));
  for (int64_t i : picked) out.append(object.text().substr(offsets[size_t(i)], offsets[size_t(i) + 1]));
  return Value::string(std::move(out));
}

}  // namespace hone::jinja
