// Added tokens (tokenizer.json "added_tokens": special or not, with lstrip, rstrip, normalized
// and single_word) and the matcher that cuts them out of text before normalization and
// pre-tokenization: leftmost-longest, with the strip and single-word rules of the tokenizers crate.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hone {

struct AddedToken {
  std::string content;
  int32_t id = 0;
  bool special = false;
  bool lstrip = false, rstrip = false;  // absorb the whitespace on that side into the token
  bool normalized = false;              // matched against normalized text rather than raw text
  bool single_word = false;             // only matches with no word character on either side
};

// A stretch of text: either plain text for the normal pipeline, or one added token.
struct TextSegment {
  size_t start, end;
  int32_t added_index;  // index into the added tokens, or -1 for plain text
};

class AddedTokenMatcher {
 public:
  // `pattern` is the text to look for (the token's content, or its normalized form).
  void add(std::string_view pattern, int32_t added_index);
  bool empty() const { return nodes_.size() <= 1; }

  // Cuts `text` into segments covering it left to right (empty plain segments are left out).
  void split(std::string_view text, const std::vector<AddedToken>& tokens, std::vector<TextSegment>& out) const;

 private:
  struct Node {
    int32_t added_index = -1;
    std::vector<std::pair<uint8_t, int32_t>> children;
  };
  // Longest pattern that starts at text[start]: its end and index, or added_index -1.
  std::pair<size_t, int32_t> longest_at(std::string_view text, size_t start) const;

  std::vector<Node> nodes_{Node{}};
  std::array<bool, 256> can_start_{};
};

}  // namespace hone
