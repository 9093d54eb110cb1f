// GGUF metadata: the thirteen value types (scalars, strings, arrays of any of them, arrays of
// arrays), and GgufMetadata, the ordered key -> value map of one file with typed getters whose
// errors name the file, the key, and the type found versus the type expected.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace hone {

// The gguf_type ids as stored in files (uint32).
enum class GgufType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
};
constexpr uint32_t kGgufTypeCount = 13;

// "u32", "string", "array", ... (or "type id N" for an id outside the enum).
std::string gguf_type_name(GgufType type);
// Bytes a value of this type takes in a file; 0 for STRING and ARRAY (variable).
size_t gguf_scalar_bytes(GgufType type);

// 'text' in single quotes, safe for a one-line message: control and non-ASCII bytes escaped as
// \xNN, and anything past 80 bytes cut (a corrupt file's "key" can be megabytes of noise).
std::string quoted_for_message(const std::string& text);

class GgufValue;

struct GgufArray {
  GgufType element_type = GgufType::U8;
  std::vector<GgufValue> items;  // every item has element_type (checked when written)
  bool operator==(const GgufArray&) const;
};

class GgufValue {
 public:
  // Alternative i holds gguf_type i, so type() is the variant's index.
  using Variant = std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float, bool, std::string,
                               GgufArray, uint64_t, int64_t, double>;

  GgufValue() = default;  // u8 0
  static GgufValue u8(uint8_t v) { return GgufValue(Variant(std::in_place_index<0>, v)); }
  static GgufValue i8(int8_t v) { return GgufValue(Variant(std::in_place_index<1>, v)); }
  static GgufValue u16(uint16_t v) { return GgufValue(Variant(std::in_place_index<2>, v)); }
  static GgufValue i16(int16_t v) { return GgufValue(Variant(std::in_place_index<3>, v)); }
  static GgufValue u32(uint32_t v) { return GgufValue(Variant(std::in_place_index<4>, v)); }
  static GgufValue i32(int32_t v) { return GgufValue(Variant(std::in_place_index<5>, v)); }
  static GgufValue f32(float v) { return GgufValue(Variant(std::in_place_index<6>, v)); }
  static GgufValue boolean(bool v) { return GgufValue(Variant(std::in_place_index<7>, v)); }
  static GgufValue string(std::string v) { return GgufValue(Variant(std::in_place_index<8>, std::move(v))); }
  static GgufValue array(GgufType element_type, std::vector<GgufValue> items) {
    return GgufValue(Variant(std::in_place_index<9>, GgufArray{element_type, std::move(items)}));
  }
  static GgufValue u64(uint64_t v) { return GgufValue(Variant(std::in_place_index<10>, v)); }
  static GgufValue i64(int64_t v) { return GgufValue(Variant(std::in_place_index<11>, v)); }
  static GgufValue f64(double v) { return GgufValue(Variant(std::in_place_index<12>, v)); }
  // Arrays of the element types tokenizers and configs use.
  static GgufValue string_array(const std::vector<std::string>& items);
  static GgufValue f32_array(const std::vector<float>& items);
  static GgufValue i32_array(const std::vector<int32_t>& items);
  static GgufValue u32_array(const std::vector<uint32_t>& items);

  GgufType type() const { return GgufType(value_.index()); }
  const Variant& variant() const { return value_; }

  // Conversions that accept every type that holds the value exactly; hone::Error otherwise,
  // saying what was found ("is a string, expected an unsigned integer").
  uint64_t as_uint() const;     // any integer type holding a value >= 0
  int64_t as_int() const;       // any integer type holding a value that fits int64
  double as_float() const;      // f32 or f64
  bool as_bool() const;
  const std::string& as_string() const;
  const GgufArray& as_array() const;

  // "u32 4096", "string \"llama\"", "array<string>[32000]" — for inspect and messages.
  std::string describe() const;

  bool operator==(const GgufValue& other) const { return value_ == other.value_; }

 private:
  explicit GgufValue(Variant v) : value_(std::move(v)) {}
  Variant value_;
};

// The key/value section of one GGUF file, in file order, keys unique.
class GgufMetadata {
 public:
  // `source` (usually the file's path) starts every error message.
  explicit GgufMetadata(std::string source = "gguf metadata") : source_(std::move(source)) {}

  const std::string& source() const { return source_; }
  size_t size() const { return entries_.size(); }
  const std::vector<std::pair<std::string, GgufValue>>& entries() const { return entries_; }

  // Replaces the value of an existing key (keeping its position) or appends a new key.
  void set(const std::string& key, GgufValue value);
  bool erase(const std::string& key);
  bool contains(const std::string& key) const { return find(key) != nullptr; }
  const GgufValue* find(const std::string& key) const;
  // The value; Error "<source>: metadata key '<key>' is missing" when absent.
  const GgufValue& at(const std::string& key) const;

  // Typed getters (see GgufValue's as_*); errors name the source and the key.
  std::string get_string(const std::string& key) const;
  uint64_t get_uint(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::vector<std::string> get_string_array(const std::string& key) const;
  std::vector<int64_t> get_int_array(const std::string& key) const;
  std::vector<double> get_float_array(const std::string& key) const;
  // The same, with a default for an absent key (a present key of the wrong type is still an Error).
  std::string get_string_or(const std::string& key, const std::string& fallback) const;
  uint64_t get_uint_or(const std::string& key, uint64_t fallback) const;
  double get_float_or(const std::string& key, double fallback) const;
  bool get_bool_or(const std::string& key, bool fallback) const;

  // Same keys, order and values (the source is not compared).
  bool operator==(const GgufMetadata& other) const { return entries_ == other.entries_; }

 private:
  template <class Fn>
  auto typed(const std::string& key, Fn&& fn) const -> decltype(fn(std::declval<const GgufValue&>()));

  std::string source_;
  std::vector<std::pair<std::string, GgufValue>> entries_;
  std::unordered_map<std::string, size_t> index_;  // key -> position in entries_
};

}  // namespace hone
