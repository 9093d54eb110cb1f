// The values a Jinja template computes with, modelled on Python's (transformers renders chat
// templates with Python's Jinja2): undefined, none, bool, int, float, str, list/tuple, dict
// (insertion-ordered, also used for namespace() and loop), and callables. Lists and dicts are
// shared handles, so `messages[1:]` keeps pointing at the same message objects.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hone/tokenizer/jinja_text.h"

namespace hone::jinja {

class Value;

struct ListData {
  std::vector<Value> items;
  bool is_tuple = false;
};

struct DictData {
  std::vector<std::pair<std::string, Value>> entries;
  bool is_namespace = false;  // attribute assignment (`set ns.x = ...`) is allowed only on these

  const Value* find(const std::string& key) const;
  void set(const std::string& key, Value value);
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // Positional argument `index`, else keyword `name`, else nullptr.
  const Value* get(size_t index, const std::string& name) const;
  const Value* keyword_arg(const std::string& name) const;
};

using NativeFunction = std::function<Value(const CallArgs&)>;

struct CallableData {
  std::string name;
  NativeFunction call;
};

class Value {
 public:
  enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Callable };

  Value() = default;  // undefined
  static Value undefined(std::string hint = {});
  static Value none();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value floating(double f);
  static Value string(Text text);
  static Value list(std::vector<Value> items = {}, bool tuple = false);
  static Value dict(std::vector<std::pair<std::string, Value>> entries = {});
  static Value namespace_object();
  static Value callable(std::string name, NativeFunction fn);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_callable() const { return kind_ == Kind::Callable; }

  bool as_bool() const { return bool_; }
  int64_t as_int() const { return kind_ == Kind::Float ? int64_t(float_) : int_; }  // bools are ints, as in Python
  double as_double() const { return kind_ == Kind::Float ? float_ : double(int_); }
  const Text& text() const { return *text_; }
  const std::string& str() const { return text_->str; }
  const std::string& undefined_hint() const;
  ListData& list_data() const { return *list_; }
  const std::vector<Value>& items() const { return list_->items; }
  DictData& dict_data() const { return *dict_; }
  const CallableData& callable_data() const { return *callable_; }

  // The conversation message this value was read from (-1: not message data). Used to mark text
  // made from a non-string value (a number, a dict passed through tojson) as that message's.
  int32_t origin() const { return origin_; }
  Value& with_origin(int32_t message) {
    origin_ = message;
    return *this;
  }

 private:
  Kind kind_ = Kind::Undefined;
  bool bool_ = false;
  int64_t int_ = 0;
  double float_ = 0;
  int32_t origin_ = -1;
  std::shared_ptr<const Text> text_;  // strings, and the hint of an undefined value
  std::shared_ptr<ListData> list_;
  std::shared_ptr<DictData> dict_;
  std::shared_ptr<CallableData> callable_;
};

// Python's name for the value's type ("str", "int", "dict", ...), for error messages.
std::string type_name(const Value& value);
// Python truthiness; undefined is false.
bool truthy(const Value& value);
// Python ==, with 1 == 1.0 == True and undefined equal only to undefined.
bool equals(const Value& a, const Value& b);
// Python ordering (numbers, strings by code point, lists lexicographically); Error otherwise.
int compare(const Value& a, const Value& b);
// str(value) as Jinja prints it: undefined -> "", None -> "None", lists/dicts as Python repr.
// Strings keep their marks; other values are marked with their origin.
Text to_text(const Value& value);
// Python repr() (strings quoted).
std::string repr(const Value& value);
// Python's repr of a float: shortest round-trip digits, "1.0", "1e+20", "inf", "nan".
std::string format_python_float(double value);

}  // namespace hone::jinja
