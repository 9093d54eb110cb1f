// GPT-2's byte-level alphabet: each of the 256 byte values is shown as one printable Unicode
// character (printable Latin-1 stands for itself, the rest map to U+0100..), so any byte string
// becomes a vocabulary-friendly string and back. Shared by the ByteLevel pre-tokenizer and decoder.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hone::byte_level {

// Appends the alphabet's characters for `bytes` (UTF-8, one or two bytes each).
void append_mapped(std::string& out, std::string_view bytes);

// The byte a character of the alphabet stands for, or -1 for a character outside it.
int byte_of(char32_t c);

// The alphabet character (as a code point) of one byte.
char32_t char_of(uint8_t byte);

}  // namespace hone::byte_level
