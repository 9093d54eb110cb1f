// The pattern of a Split, Replace normalizer or Replace decoder: a literal string or a regex,
// both answering "where are the matches in this text" so the components need not care which.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hone/tokenizer/component_json.h"
#include "hone/tokenizer/regex.h"

namespace hone {

class TextPattern {
 public:
  TextPattern(const component_json::Pattern& pattern, std::string_view where);

  // Non-overlapping [start, end) matches, left to right (appended to `matches`).
  void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& matches) const;

  // `text` with every match replaced by `content`.
  std::string replace_all(std::string_view text, std::string_view content) const;

 private:
  std::string literal_;
  std::unique_ptr<Regex> regex_;
};

}  // namespace hone
