#include "hone/tokenizer/text_pattern.h"

namespace hone {

TextPattern::TextPattern(const component_json::Pattern& pattern, std::string_view where) {
  if (pattern.is_regex) {
    regex_ = std::make_unique<Regex>(pattern.text, where);
  } else {
    literal_ = pattern.text;
  }
}

void TextPattern::find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& matches) const {
  if (regex_) {
    regex_->find_all(text, matches);
    return;
  }
  if (literal_.empty()) return;  // an empty literal never splits or replaces anything
  for (size_t at = text.find(literal_); at != std::string_view::npos; at = text.find(literal_, at + literal_.size())) {
    matches.emplace_back(at, at + literal_.size());
  }
}

std::string TextPattern::replace_all(std::string_view text, std::string_view content) const {
  thread_local std::vector<std::pair<size_t, size_t>> matches;
  matches.clear();
  find_all(text, matches);
  if (matches.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size() + matches.size() * content.size());
  size_t previous = 0;
  for (const auto& [start, end] : matches) {
    out.append(text.substr(previous, start - previous));
    out.append(content);
    previous = end;
  }
  out.append(text.substr(previous));
  return out;
}

}  // namespace hone
