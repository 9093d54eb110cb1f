#include "hone/util/option_section.h"

namespace hone {

const char* option_type_name(OptionType type) {
  switch (type) {
    case OptionType::Int: return "INT";
    case OptionType::Float: return "FLOAT";
    case OptionType::Text: return "TEXT";
    case OptionType::List: return "LIST";
    case OptionType::Bool: return "BOOL";
  }
  return "TEXT";
}

OptionCheck<std::string> one_of(std::vector<std::string> choices) {
  return [choices = std::move(choices)](const std::string& v) {
    std::string list;
    for (size_t i = 0; i < choices.size(); ++i) {
      if (choices[i] == v) return std::string();
      list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
    }
    return "must be " + list;
  };
}

OptionCheck<std::vector<std::string>> not_empty_list() {
  return [](const std::vector<std::string>& v) { return v.empty() ? std::string("must not be empty") : std::string(); };
}

const OptionKey* AnyOptionSection::find(const std::string& key) const {
  for (const OptionKey& k : keys_)
    if (k.key == key) return &k;
  return nullptr;
}

void AnyOptionSection::validate_at(const void* values) const {
  for (const OptionKey& k : keys_) {
    const std::string problem = k.problem(values);
    if (problem.empty()) continue;
    const std::string value = k.type == OptionType::Text || k.type == OptionType::List ? "'" + k.get(values) + "'" : k.get(values);
    HONE_FAIL(k.key, " ", problem, ", got ", value);
  }
}

}  // namespace hone
