#include "hone/io/gguf_value.h"

#include <limits>
#include <type_traits>

#include "hone/util/error.h"

namespace hone {

std::string gguf_type_name(GgufType type) {
  static const char* const kNames[kGgufTypeCount] = {"u8",  "i8",     "u16",   "i16", "u32", "i32", "f32",
                                                     "bool", "string", "array", "u64", "i64", "f64"};
  const auto id = static_cast<uint32_t>(type);
  return id < kGgufTypeCount ? kNames[id] : cat("type id ", id);
}

size_t gguf_scalar_bytes(GgufType type) {
  switch (type) {
    case GgufType::U8: case GgufType::I8: case GgufType::BOOL: return 1;
    case GgufType::U16: case GgufType::I16: return 2;
    case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
    case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
    default: return 0;
  }
}

std::string quoted_for_message(const std::string& text) {
  constexpr size_t kMax = 80;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += char(c);
    } else {
      static const char* const kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (text.size() > kMax) out += cat("... (", text.size(), " bytes)");
  return out + "'";
}

bool GgufArray::operator==(const GgufArray& other) const {
  return element_type == other.element_type && items == other.items;
}

GgufValue GgufValue::string_array(const std::vector<std::string>& items) {
  std::vector<GgufValue> values;
  values.reserve(items.size());
  for (const auto& s : items) values.push_back(string(s));
  return array(GgufType::STRING, std::move(values));
}

GgufValue GgufValue::f32_array(const std::vector<float>& items) {
  std::vector<GgufValue> values;
  values.reserve(items.size());
  for (float v : items) values.push_back(f32(v));
  return array(GgufType::F32, std::move(values));
}

GgufValue GgufValue::i32_array(const std::vector<int32_t>& items) {
  std::vector<GgufValue> values;
  values.reserve(items.size());
  for (int32_t v : items) values.push_back(i32(v));
  return array(GgufType::I32, std::move(values));
}

GgufValue GgufValue::u32_array(const std::vector<uint32_t>& items) {
  std::vector<GgufValue> values;
  values.reserve(items.size());
  for (uint32_t v : items) values.push_back(u32(v));
  return array(GgufType::U32, std::move(values));
}

uint64_t GgufValue::as_uint() const {
  return std::visit(
      [&](const auto& v) -> uint64_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          if constexpr (std::is_signed_v<T>) HONE_CHECK(v >= 0, "is ", describe(), ", expected an unsigned integer");
          return uint64_t(v);
        } else {
          HONE_FAIL("is a ", gguf_type_name(type()), ", expected an unsigned integer");
        }
      },
      value_);
}

int64_t GgufValue::as_int() const {
  return std::visit(
      [&](const auto& v) -> int64_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          if constexpr (std::is_same_v<T, uint64_t>)
            HONE_CHECK(v <= uint64_t(std::numeric_limits<int64_t>::max()), "is ", describe(),
                       ", too large for a signed 64-bit integer");
          return int64_t(v);
        } else {
          HONE_FAIL("is a ", gguf_type_name(type()), ", expected an integer");
        }
      },
      value_);
}

double GgufValue::as_float() const {
  if (const auto* f = std::get_if<float>(&value_)) return *f;
  if (const auto* d = std::get_if<double>(&value_)) return *d;
  HONE_FAIL("is a ", gguf_type_name(type()), ", expected f32 or f64");
}

bool GgufValue::as_bool() const {
  if (const auto* b = std::get_if<bool>(&value_)) return *b;
  HONE_FAIL("is a ", gguf_type_name(type()), ", expected a bool");
}

const std::string& GgufValue::as_string() const {
  if (const auto* s = std::get_if<std::string>(&value_)) return *s;
  HONE_FAIL("is a ", gguf_type_name(type()), ", expected a string");
}

const GgufArray& GgufValue::as_array() const {
  if (const auto* a = std::get_if<GgufArray>(&value_)) return *a;
  HONE_FAIL("is a ", gguf_type_name(type()), ", expected an array");
}

std::string GgufValue::describe() const {
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        const std::string name = gguf_type_name(type());
        if constexpr (std::is_same_v<T, std::string>) {
          return name + " " + quoted_for_message(v);
        } else if constexpr (std::is_same_v<T, GgufArray>) {
          return cat("array<", gguf_type_name(v.element_type), ">[", v.items.size(), "]");
        } else if constexpr (std::is_same_v<T, bool>) {
          return name + (v ? " true" : " false");
        } else if constexpr (std::is_integral_v<T>) {
          return cat(name, " ", +v);  // unary + prints 8-bit values as numbers, not characters
        } else {
          return cat(name, " ", v);
        }
      },
      value_);
}

void GgufMetadata::set(const std::string& key, GgufValue value) {
  const auto it = index_.find(key);
  if (it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.emplace_back(key, std::move(value));
}

bool GgufMetadata::erase(const std::string& key) {
  const auto it = index_.find(key);
  if (it == index_.end()) return false;
  entries_.erase(entries_.begin() + std::ptrdiff_t(it->second));
  index_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
  return true;
}

const GgufValue* GgufMetadata::find(const std::string& key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

const GgufValue& GgufMetadata::at(const std::string& key) const {
  const GgufValue* v = find(key);
  HONE_CHECK(v != nullptr, source_, ": metadata key ", quoted_for_message(key), " is missing");
  return *v;
}

template <class Fn>
auto GgufMetadata::typed(const std::string& key, Fn&& fn) const -> decltype(fn(std::declval<const GgufValue&>())) {
  const GgufValue& value = at(key);
  try {
    return fn(value);
  } catch (const Error& e) {
    throw Error(cat(source_, ": metadata key ", quoted_for_message(key), " ", e.what()));
  }
}

std::string GgufMetadata::get_string(const std::string& key) const {
  return typed(key, [](const GgufValue& v) { return v.as_string(); });
}
uint64_t GgufMetadata::get_uint(const std::string& key) const {
  return typed(key, [](const GgufValue& v) { return v.as_uint(); });
}
int64_t GgufMetadata::get_int(const std::string& key) const {
  return typed(key, [](const GgufValue& v) { return v.as_int(); });
}
double GgufMetadata::get_float(const std::string& key) const {
  return typed(key, [](const GgufValue& v) { return v.as_float(); });
}
bool GgufMetadata::get_bool(const std::string& key) const {
  return typed(key, [](const GgufValue& v) { return v.as_bool(); });
}

namespace {
// Element i of an array, converted; the error says which element was wrong.
template <class T, class Convert>
std::vector<T> convert_items(const GgufArray& array, Convert convert) {
  std::vector<T> out;
  out.reserve(array.items.size());
  for (size_t i = 0; i < array.items.size(); ++i) {
    try {
      out.push_back(convert(array.items[i]));
    } catch (const Error& e) {
      throw Error(cat("element ", i, " ", e.what()));
    }
  }
  return out;
}
}  // namespace

std::vector<std::string> GgufMetadata::get_string_array(const std::string& key) const {
  return typed(key, [](const GgufValue& v) {
    return convert_items<std::string>(v.as_array(), [](const GgufValue& x) { return x.as_string(); });
  });
}
std::vector<int64_t> GgufMetadata::get_int_array(const std::string& key) const {
  return typed(key, [](const GgufValue& v) {
    return convert_items<int64_t>(v.as_array(), [](const GgufValue& x) { return x.as_int(); });
  });
}
std::vector<double> GgufMetadata::get_float_array(const std::string& key) const {
  return typed(key, [](const GgufValue& v) {
    return convert_items<double>(v.as_array(), [](const GgufValue& x) { return x.as_float(); });
  });
}

std::string GgufMetadata::get_string_or(const std::string& key, const std::string& fallback) const {
  return contains(key) ? get_string(key) : fallback;
}
uint64_t GgufMetadata::get_uint_or(const std::string& key, uint64_t fallback) const {
  return contains(key) ? get_uint(key) : fallback;
}
double GgufMetadata::get_float_or(const std::string& key, double fallback) const {
  return contains(key) ? get_float(key) : fallback;
}
bool GgufMetadata::get_bool_or(const std::string& key, bool fallback) const {
  return contains(key) ? get_bool(key) : fallback;
}

}  // namespace hone
