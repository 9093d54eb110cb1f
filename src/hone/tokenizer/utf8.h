// UTF-8 helpers for the tokenizer: stepping through code points, appending them, and turning
// arbitrary bytes into valid text (the U+FFFD replacement rule decoders and streaming rely on).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hone::utf8 {

inline constexpr char32_t kReplacementChar = 0xFFFD;
inline constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

// Length in bytes of the (valid) UTF-8 sequence that starts with `lead`; 1 for a stray byte, so
// callers always make progress.
inline size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// Decodes the code point at text[pos] (text must be valid UTF-8) and advances pos past it.
char32_t next(std::string_view text, size_t& pos);

// The code point that ends at text[end] (exclusive); `end` moves back to its first byte.
char32_t previous(std::string_view text, size_t& end);

void append(std::string& out, char32_t code_point);

// Length of the longest valid UTF-8 prefix of `bytes`.
size_t valid_prefix_length(std::string_view bytes);

// True when `bytes` ends in the first bytes of a multi-byte sequence that more bytes could
// complete (what a streaming decoder must hold back).
bool ends_with_incomplete_sequence(std::string_view bytes);

// Valid UTF-8 with each maximal invalid subpart replaced by U+FFFD — the Unicode-recommended
// rule that Rust's from_utf8_lossy and the WHATWG TextDecoder both follow.
std::string to_valid_lossy(std::string_view bytes);

// Throws hone::Error naming `what` and the byte offset when `text` is not valid UTF-8.
void check_valid(std::string_view text, std::string_view what);

}  // namespace hone::utf8
