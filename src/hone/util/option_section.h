// A section of settings declared once — each key's name, type, default, help text and check —
// from which the recipe reads YAML and flags, writes config.yaml, validates and prints --help.
// A method (peft/<method>/), an optimizer or the trainer declares its section next to the
// struct it fills, and no key name is spelled anywhere else.
//
// How a section is declared (an optimizer does the same for its own options):
//
//   struct AdamWOptions { double beta1 = 0.9; double beta2 = 0.999; };   // defaults live here
//
//   const OptionSection<AdamWOptions>& adamw_section() {
//     static const auto section = OptionSection<AdamWOptions>("adamw")    // keys "adamw.*"
//         .add("beta1", &AdamWOptions::beta1, "AdamW beta1", in_range(0.0, 1.0))
//         .add("beta2", &AdamWOptions::beta2, "AdamW beta2", in_range(0.0, 1.0));
//     return section;
//   }
//
// A section named "" declares top-level keys ("lr"). Field types: bool, int, int64_t, uint64_t,
// double, std::string and std::vector<std::string> (a LIST: "a,b" as a flag, [a, b] in YAML).
// The holder of the struct (train/recipe.cpp holds a TrainRecipe) binds the section to where
// the struct lives: OptionSection's typed calls when it knows the type, the type-erased
// AnyOptionSection (keys through void*, defaults in std::any) when a registry hands it over.
#pragma once

#include <any>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hone/util/error.h"
#include "hone/util/option_text.h"

namespace hone {

enum class OptionType { Int, Float, Text, List, Bool };
const char* option_type_name(OptionType type);  // INT, FLOAT, TEXT, LIST, BOOL (for --help)

// One declared key. The struct it reads and writes is passed as a pointer because the key is
// stored without its struct type; OptionSection<Config> passes a Config.
struct OptionKey {
  std::string key;  // full name: "lora.r" (or "lr" in the top-level section)
  OptionType type;
  std::string help;
  std::function<std::string(const void*)> get;                 // canonical text (a LIST: "a,b")
  std::function<std::vector<std::string>(const void*)> items;  // a LIST's items (else empty)
  std::function<void(void*, const std::string&)> set;          // Error "key 'lora.r': expected an integer ..."
  std::function<std::string(const void*)> problem;             // "" or what is wrong with the value

  bool is_flag() const { return type == OptionType::Bool; }  // `--key` alone means true
};

// A check: "" for a good value, else what is wrong ("must be >= 0"). The section adds the key
// and the value: "lora.dropout must be in [0, 1), got 2".
template <class T>
using OptionCheck = std::function<std::string(const T&)>;

template <class T>
OptionCheck<T> at_least(T lo) {
  return [lo](const T& v) { return v >= lo ? std::string() : cat("must be >= ", lo); };
}
template <class T>
OptionCheck<T> positive() {
  return [](const T& v) {
    if (v > T(0) && std::isfinite(double(v))) return std::string();
    return std::string(std::is_integral_v<T> ? "must be a positive integer" : "must be positive");
  };
}
// lo <= v < hi.
inline OptionCheck<double> in_range(double lo, double hi) {
  return [lo, hi](const double& v) { return v >= lo && v < hi ? std::string() : cat("must be in [", lo, ", ", hi, ")"); };
}
OptionCheck<std::string> one_of(std::vector<std::string> choices);
OptionCheck<std::vector<std::string>> not_empty_list();

// The declaration without its struct type: what a registry stores and the recipe iterates.
class AnyOptionSection {
 public:
  virtual ~AnyOptionSection() = default;
  const std::string& name() const { return name_; }
  const std::vector<OptionKey>& keys() const { return keys_; }
  const OptionKey* find(const std::string& key) const;
  // Error "lora.r must be a positive integer, got 0" for the first key whose check fails.
  void validate_at(const void* values) const;
  // The struct with its defaults, held by value, and the address of the struct inside such an
  // std::any: how a holder that keeps many sections generically stores them.
  virtual std::any make_defaults() const = 0;
  virtual void* values_in(std::any& holder) const = 0;

 protected:
  explicit AnyOptionSection(std::string name) : name_(std::move(name)) {}
  std::string full_key(const std::string& name) const { return name_.empty() ? name : name_ + "." + name; }

  std::string name_;
  std::vector<OptionKey> keys_;
};

template <class Config>
class OptionSection : public AnyOptionSection {
 public:
  explicit OptionSection(std::string name) : AnyOptionSection(std::move(name)) {}

  // Declares `name` bound to `field`; Config{}'s value of the field is the default.
  template <class Field>
  OptionSection& add(const std::string& name, Field Config::*field, std::string help, OptionCheck<Field> check = nullptr);

  void set(Config& c, const std::string& key, const std::string& text) const { must_find(key).set(&c, text); }
  std::string get(const Config& c, const std::string& key) const { return must_find(key).get(&c); }
  void validate(const Config& c) const { validate_at(&c); }

  std::any make_defaults() const override { return Config{}; }
  void* values_in(std::any& holder) const override { return std::any_cast<Config>(&holder); }

 private:
  const OptionKey& must_find(const std::string& key) const {
    const OptionKey* k = find(key);
    HONE_CHECK(k, "unknown key '", key, "'");
    return *k;
  }
};

template <class Config>
template <class Field>
OptionSection<Config>& OptionSection<Config>::add(const std::string& name, Field Config::*field, std::string help,
                                                  OptionCheck<Field> check) {
  const std::string key = full_key(name);
  OptionKey k;
  k.key = key;
  k.help = std::move(help);
  auto value = [field](const void* c) -> const Field& { return static_cast<const Config*>(c)->*field; };
  auto slot = [field](void* c) -> Field& { return static_cast<Config*>(c)->*field; };
  if constexpr (std::is_same_v<Field, bool>) {
    k.type = OptionType::Bool;
    k.get = [value](const void* c) { return std::string(value(c) ? "true" : "false"); };
    k.set = [slot, key](void* c, const std::string& t) { slot(c) = parse_option_bool(key, t); };
  } else if constexpr (std::is_same_v<Field, double>) {
    k.type = OptionType::Float;
    k.get = [value](const void* c) { return format_option_double(value(c)); };
    k.set = [slot, key](void* c, const std::string& t) { slot(c) = parse_option_double(key, t); };
  } else if constexpr (std::is_same_v<Field, std::string>) {
    k.type = OptionType::Text;
    k.get = [value](const void* c) { return value(c); };
    k.set = [slot](void* c, const std::string& t) { slot(c) = trim_blanks(t); };
  } else if constexpr (std::is_same_v<Field, std::vector<std::string>>) {
    k.type = OptionType::List;
    k.get = [value](const void* c) { return join_option_list(value(c)); };
    k.items = [value](const void* c) { return value(c); };
    k.set = [slot](void* c, const std::string& t) { slot(c) = parse_option_list(t); };
  } else {
    static_assert(std::is_integral_v<Field>, "option fields are bool, integers, double, string or list of strings");
    k.type = OptionType::Int;
    k.get = [value](const void* c) { return std::to_string(value(c)); };
    k.set = [slot, key](void* c, const std::string& t) { slot(c) = Field(parse_option_int(key, t)); };
  }
  if (!k.items) k.items = [](const void*) { return std::vector<std::string>(); };
  if (check) k.problem = [value, check](const void* c) { return check(value(c)); };
  else k.problem = [](const void*) { return std::string(); };
  keys_.push_back(std::move(k));
  return *this;
}

}  // namespace hone
