#include "hone/tokenizer/byte_level_alphabet.h"

#include <array>

#include "hone/tokenizer/utf8.h"

namespace hone::byte_level {

namespace {

struct Alphabet {
  std::array<char32_t, 256> char_of{};
  std::array<int16_t, 324> byte_of{};  // every alphabet character is below U+0144
  std::array<std::array<char, 2>, 256> utf8{};
  std::array<uint8_t, 256> utf8_length{};

  Alphabet() {
    byte_of.fill(-1);
    const auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); };
    char32_t next_extra = 256;
    for (int b = 0; b < 256; ++b) {
      const char32_t c = printable(b) ? char32_t(b) : next_extra++;
      char_of[b] = c;
      byte_of[c] = int16_t(b);
      std::string encoded;
      utf8::append(encoded, c);
      utf8_length[b] = uint8_t(encoded.size());
      for (size_t i = 0; i < encoded.size(); ++i) utf8[b][i] = encoded[i];
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet instance;
  return instance;
}

}  // namespace

void append_mapped(std::string& out, std::string_view bytes) {
  const Alphabet& a = alphabet();
  for (char ch : bytes) {
    const auto b = static_cast<uint8_t>(ch);
    out.append(a.utf8[b].data(), a.utf8_length[b]);
  }
}

int byte_of(char32_t c) {
  const Alphabet& a = alphabet();
  return c < a.byte_of.size() ? a.byte_of[c] : -1;
}

char32_t char_of(uint8_t byte) { return alphabet().char_of[byte]; }

}  // namespace hone::byte_level
