#include "hone/tokenizer/utf8.h"

#include "hone/util/error.h"

namespace hone::utf8 {

namespace {

// Length of the valid sequence at bytes[pos], 0 if the bytes there are not a complete valid
// sequence; `maximal_subpart` receives how many bytes form the longest valid-so-far prefix
// (at least 1), which is what one U+FFFD replaces.
size_t valid_sequence_at(std::string_view bytes, size_t pos, size_t& maximal_subpart) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(bytes[i]); };
  const unsigned char lead = byte(pos);
  maximal_subpart = 1;
  if (lead < 0x80) return 1;
  size_t length;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  for (size_t i = 1; i < length; ++i) {
    if (pos + i >= bytes.size()) return 0;
    const unsigned char c = byte(pos + i);
    const bool ok = i == 1 ? (c >= low && c <= high) : (c >= 0x80 && c <= 0xBF);
    if (!ok) return 0;
    maximal_subpart = i + 1;
  }
  return length;
}

}  // namespace

char32_t next(std::string_view text, size_t& pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  const size_t length = sequence_length(lead);
  if (length == 1 || pos + length > text.size()) {
    ++pos;
    return lead;
  }
  char32_t cp;
  if (length == 2) {
    cp = ((lead & 0x1Fu) << 6) | (byte(pos + 1) & 0x3Fu);
  } else if (length == 3) {
    cp = ((lead & 0x0Fu) << 12) | ((byte(pos + 1) & 0x3Fu) << 6) | (byte(pos + 2) & 0x3Fu);
  } else {
    cp = ((lead & 0x07u) << 18) | ((byte(pos + 1) & 0x3Fu) << 12) | ((byte(pos + 2) & 0x3Fu) << 6) |
         (byte(pos + 3) & 0x3Fu);
  }
  pos += length;
  return cp;
}

char32_t previous(std::string_view text, size_t& end) {
  size_t start = end - 1;
  while (start > 0 && end - start < 4 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  size_t pos = start;
  const char32_t cp = next(text, pos);
  end = start;
  return cp;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t valid_prefix_length(std::string_view bytes) {
  size_t pos = 0, subpart = 0;
  while (pos < bytes.size()) {
    const size_t length = valid_sequence_at(bytes, pos, subpart);
    if (length == 0) break;
    pos += length;
  }
  return pos;
}

bool ends_with_incomplete_sequence(std::string_view bytes) {
  const size_t valid = valid_prefix_length(bytes);
  if (valid == bytes.size()) return false;
  size_t subpart = 0;
  valid_sequence_at(bytes, valid, subpart);
  // Incomplete (rather than invalid) when the maximal subpart runs to the end of the bytes.
  return valid + subpart == bytes.size() && sequence_length(static_cast<unsigned char>(bytes[valid])) > 1;
}

std::string to_valid_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t pos = 0, subpart = 0;
  while (pos < bytes.size()) {
    const size_t length = valid_sequence_at(bytes, pos, subpart);
    if (length > 0) {
      out.append(bytes.substr(pos, length));
      pos += length;
    } else {
      out.append(kReplacementUtf8);
      pos += subpart;
    }
  }
  return out;
}

void check_valid(std::string_view text, std::string_view what) {
  const size_t valid = valid_prefix_length(text);
  HONE_CHECK(valid == text.size(), what, " is not valid UTF-8 (bad byte 0x", std::hex,
             static_cast<unsigned>(static_cast<unsigned char>(text[valid])), std::dec, " at byte offset ", valid, ")");
}

}  // namespace hone::utf8
