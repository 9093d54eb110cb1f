#include "hone/tokenizer/added_tokens.h"

#include "hone/tokenizer/unicode_chars.h"
#include "hone/tokenizer/utf8.h"

namespace hone {

void AddedTokenMatcher::add(std::string_view pattern, int32_t added_index) {
  if (pattern.empty()) return;
  int32_t node = 0;
  for (char ch : pattern) {
    const auto byte = static_cast<uint8_t>(ch);
    int32_t child = -1;
    for (const auto& [label, index] : nodes_[size_t(node)].children) {
      if (label == byte) child = index;
    }
    if (child < 0) {
      child = int32_t(nodes_.size());
      nodes_[size_t(node)].children.emplace_back(byte, child);
      nodes_.emplace_back();
    }
    node = child;
  }
  // The first token listed keeps a pattern two tokens share.
  if (nodes_[size_t(node)].added_index < 0) nodes_[size_t(node)].added_index = added_index;
  can_start_[static_cast<uint8_t>(pattern.front())] = true;
}

std::pair<size_t, int32_t> AddedTokenMatcher::longest_at(std::string_view text, size_t start) const {
  std::pair<size_t, int32_t> best{start, -1};
  int32_t node = 0;
  for (size_t pos = start; pos < text.size(); ++pos) {
    const auto byte = static_cast<uint8_t>(text[pos]);
    int32_t child = -1;
    for (const auto& [label, index] : nodes_[size_t(node)].children) {
      if (label == byte) {
        child = index;
        break;
      }
    }
    if (child < 0) break;
    node = child;
    if (nodes_[size_t(node)].added_index >= 0) best = {pos + 1, nodes_[size_t(node)].added_index};
  }
  return best;
}

namespace {

bool ends_with_word_char(std::string_view text, size_t end) {
  if (end == 0) return false;
  return unicode::is_alphanumeric(utf8::previous(text, end));
}

bool starts_with_word_char(std::string_view text, size_t start) {
  if (start >= text.size()) return false;
  return unicode::is_alphanumeric(utf8::next(text, start));
}

}  // namespace

void AddedTokenMatcher::split(std::string_view text, const std::vector<AddedToken>& tokens, std::vector<TextSegment>& out) const {
  size_t plain_start = 0;  // where the current stretch of plain text began
  size_t pos = 0;
  while (pos < text.size()) {
    if (!can_start_[static_cast<uint8_t>(text[pos])]) {
      ++pos;
      continue;
    }
    const auto [match_end, index] = longest_at(text, pos);
    if (index < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens[size_t(index)];
    size_t start = pos, stop = match_end;
    // Like the crate's non-overlapping match iterator, a rejected match is skipped over whole.
    pos = match_end;
    if (token.single_word && (ends_with_word_char(text, start) || starts_with_word_char(text, stop))) continue;
    if (token.lstrip) {
      while (start > plain_start) {
        size_t previous = start;
        if (!unicode::is_whitespace(utf8::previous(text, previous))) break;
        start = previous;
      }
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        size_t next = stop;
        if (!unicode::is_whitespace(utf8::next(text, next))) break;
        stop = next;
      }
    }
    if (plain_start < start) out.push_back({plain_start, start, -1});
    out.push_back({start, stop, index});
    plain_start = pos = stop;
  }
  if (plain_start < text.size()) out.push_back({plain_start, text.size(), -1});
}

}  // namespace hone
