// A string that remembers which chat message each of its bytes was copied from. Chat templates
// trim, split and concatenate message content; carrying the origin through every string
// operation lets the renderer say exactly which output bytes are a message's own text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hone::jinja {

// Bytes [begin, end) came from message `message` (an index into the rendered conversation).
struct TextMark {
  uint32_t begin = 0, end = 0;
  int32_t message = -1;
};

struct Text {
  std::string str;
  std::vector<TextMark> marks;  // sorted by begin, non-overlapping; unmarked bytes are template text

  Text() = default;
  Text(std::string s) : str(std::move(s)) {}  // NOLINT: plain strings convert implicitly
  static Text marked(std::string s, int32_t message);

  void append(const Text& other);
  void append(std::string_view plain) { str.append(plain); }
  void append(const std::string& plain) { str.append(plain); }
  void append(const char* plain) { str.append(plain); }
  // Bytes [begin, end) with their marks.
  Text substr(size_t begin, size_t end) const;
  // Marks every byte as coming from `message` (used when a whole value is converted to text).
  void mark_all(int32_t message);
  // The first message any byte came from, or -1.
  int32_t first_message() const { return marks.empty() ? -1 : marks.front().message; }
};

}  // namespace hone::jinja
