#include "hone/tokenizer/jinja_strings.h"

#include <utf8proc.h>

#include <algorithm>

#include "hone/tokenizer/jinja_error.h"

namespace hone::jinja {

namespace {

struct Decoded {
  uint32_t cp;
  size_t length;
};

Decoded decode(const std::string& s, size_t i) {
  utf8proc_int32_t cp = 0;
  const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i), utf8proc_ssize_t(s.size() - i), &cp);
  if (n <= 0) return {static_cast<unsigned char>(s[i]), 1};  // invalid byte: treat as one unit
  return {uint32_t(cp), size_t(n)};
}

void encode(std::string& out, uint32_t cp) {
  utf8proc_uint8_t buffer[4];
  const auto n = utf8proc_encode_char(utf8proc_int32_t(cp), buffer);
  out.append(reinterpret_cast<const char*>(buffer), size_t(n));
}

template <class Fn>
std::string map_code_points(const std::string& s, Fn&& fn) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const Decoded d = decode(s, i);
    encode(out, fn(d.cp));
    i += d.length;
  }
  return out;
}

bool is_cased_letter(uint32_t cp) {
  const auto cat = utf8proc_category(utf8proc_int32_t(cp));
  return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT;
}

uint32_t upper(uint32_t cp) { return uint32_t(utf8proc_toupper(utf8proc_int32_t(cp))); }
uint32_t lower(uint32_t cp) { return uint32_t(utf8proc_tolower(utf8proc_int32_t(cp))); }
uint32_t title(uint32_t cp) { return uint32_t(utf8proc_totitle(utf8proc_int32_t(cp))); }

bool in_chars(uint32_t cp, const std::optional<std::string>& chars) {
  if (!chars) return is_python_space(cp);
  for (size_t i = 0; i < chars->size();) {
    const Decoded d = decode(*chars, i);
    if (d.cp == cp) return true;
    i += d.length;
  }
  return false;
}

}  // namespace

bool is_python_space(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
    case 0x20: case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000:
      return true;
    default: return cp >= 0x2000 && cp <= 0x200a;
  }
}

std::vector<size_t> code_point_offsets(const std::string& s) {
  std::vector<size_t> offsets;
  offsets.reserve(s.size() + 1);
  for (size_t i = 0; i < s.size();) {
    offsets.push_back(i);
    i += decode(s, i).length;
  }
  offsets.push_back(s.size());
  return offsets;
}

size_t code_point_count(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Text strip(const Text& text, const std::optional<std::string>& chars, bool left, bool right) {
  const std::string& s = text.str;
  size_t begin = 0, end = s.size();
  if (left) {
    while (begin < end) {
      const Decoded d = decode(s, begin);
      if (!in_chars(d.cp, chars)) break;
      begin += d.length;
    }
  }
  if (right) {
    const std::vector<size_t> offsets = code_point_offsets(s);
    size_t k = offsets.size() - 1;  // index of the end offset
    while (k > 0 && offsets[k - 1] >= begin) {
      const Decoded d = decode(s, offsets[k - 1]);
      if (!in_chars(d.cp, chars)) break;
      --k;
    }
    end = offsets[k];
  }
  return text.substr(begin, end);
}

std::vector<Text> split(const Text& text, const std::optional<std::string>& sep, int64_t maxsplit, bool from_right) {
  const std::string& s = text.str;
  std::vector<Text> parts;
  if (sep) {
    if (sep->empty()) fail("split(): empty separator");
    if (!from_right) {
      size_t start = 0;
      while (maxsplit < 0 || int64_t(parts.size()) < maxsplit) {
        const size_t hit = s.find(*sep, start);
        if (hit == std::string::npos) break;
        parts.push_back(text.substr(start, hit));
        start = hit + sep->size();
      }
      parts.push_back(text.substr(start, s.size()));
    } else {
      size_t end = s.size();
      std::vector<Text> reversed;
      while (maxsplit < 0 || int64_t(reversed.size()) < maxsplit) {
        if (end < sep->size()) break;
        const size_t hit = s.rfind(*sep, end - sep->size());
        if (hit == std::string::npos) break;
        reversed.push_back(text.substr(hit + sep->size(), end));
        end = hit;
      }
      reversed.push_back(text.substr(0, end));
      parts.assign(reversed.rbegin(), reversed.rend());
    }
    return parts;
  }
  // Whitespace split: runs of whitespace separate, no empty parts.
  std::vector<std::pair<size_t, size_t>> words;
  const std::vector<size_t> offsets = code_point_offsets(s);
  size_t k = 0;
  const size_t n = offsets.size() - 1;
  while (k < n) {
    while (k < n && is_python_space(decode(s, offsets[k]).cp)) ++k;
    if (k == n) break;
    const size_t begin = k;
    while (k < n && !is_python_space(decode(s, offsets[k]).cp)) ++k;
    words.emplace_back(offsets[begin], offsets[k]);
  }
  if (maxsplit >= 0 && int64_t(words.size()) > maxsplit + 1) {
    if (!from_right) {
      for (int64_t i = 0; i < maxsplit; ++i) parts.push_back(text.substr(words[size_t(i)].first, words[size_t(i)].second));
      parts.push_back(strip(text.substr(words[size_t(maxsplit)].first, s.size()), std::nullopt, false, true));
    } else {
      const size_t keep = words.size() - size_t(maxsplit);
      parts.push_back(strip(text.substr(0, words[keep - 1].second), std::nullopt, true, false));
      for (size_t i = keep; i < words.size(); ++i) parts.push_back(text.substr(words[i].first, words[i].second));
    }
    return parts;
  }
  for (const auto& [b, e] : words) parts.push_back(text.substr(b, e));
  return parts;
}

std::vector<Text> splitlines(const Text& text) {
  std::vector<Text> lines;
  const std::string& s = text.str;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') {
      lines.push_back(text.substr(start, i));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < s.size()) lines.push_back(text.substr(start, s.size()));
  return lines;
}

Text replace(const Text& text, const std::string& old, const Text& replacement, int64_t count) {
  const std::string& s = text.str;
  Text out;
  if (old.empty()) {
    const std::vector<size_t> offsets = code_point_offsets(s);
    int64_t done = 0;
    for (size_t k = 0; k + 1 < offsets.size(); ++k) {
      if (count < 0 || done < count) {
        out.append(replacement);
        ++done;
      }
      out.append(text.substr(offsets[k], offsets[k + 1]));
    }
    if (count < 0 || done < count) out.append(replacement);
    return out;
  }
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    const size_t hit = s.find(old, start);
    if (hit == std::string::npos) break;
    out.append(text.substr(start, hit));
    out.append(replacement);
    start = hit + old.size();
    ++done;
  }
  out.append(text.substr(start, s.size()));
  return out;
}

std::string to_upper(const std::string& s) { return map_code_points(s, upper); }
std::string to_lower(const std::string& s) { return map_code_points(s, lower); }

std::string python_title(const std::string& s) {
  bool previous_cased = false;
  return map_code_points(s, [&](uint32_t cp) {
    const uint32_t out = previous_cased ? lower(cp) : title(cp);
    previous_cased = is_cased_letter(cp);
    return out;
  });
}

std::string python_capitalize(const std::string& s) {
  bool first = true;
  return map_code_points(s, [&](uint32_t cp) {
    const uint32_t out = first ? title(cp) : lower(cp);
    first = false;
    return out;
  });
}

std::string jinja_title(const std::string& s) {
  bool word_start = true;
  return map_code_points(s, [&](uint32_t cp) {
    const bool separator = is_python_space(cp) || cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<';
    const uint32_t out = separator ? cp : (word_start ? upper(cp) : lower(cp));
    word_start = separator;
    return out;
  });
}

int64_t find(const std::string& s, const std::string& sub, bool from_right) {
  const size_t hit = from_right ? s.rfind(sub) : s.find(sub);
  if (hit == std::string::npos) return -1;
  return int64_t(code_point_count(s.substr(0, hit)));
}

int64_t count(const std::string& s, const std::string& sub) {
  if (sub.empty()) return int64_t(code_point_count(s)) + 1;
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string::npos; pos = s.find(sub, pos + sub.size())) ++n;
  return n;
}

bool string_predicate(const std::string& s, const std::string& which) {
  if (s.empty()) return false;
  bool any_cased = false;
  for (size_t i = 0; i < s.size();) {
    const Decoded d = decode(s, i);
    i += d.length;
    const auto cat = utf8proc_category(utf8proc_int32_t(d.cp));
    const bool letter = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
    const bool digit = cat == UTF8PROC_CATEGORY_ND;
    if (which == "isdigit" && !digit) return false;
    if (which == "isalpha" && !letter) return false;
    if (which == "isalnum" && !letter && !digit && cat != UTF8PROC_CATEGORY_NL && cat != UTF8PROC_CATEGORY_NO) return false;
    if (which == "isspace" && !is_python_space(d.cp)) return false;
    if (which == "isupper" || which == "islower") {
      if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT) {
        any_cased = true;
        if (which == "islower") return false;
      } else if (cat == UTF8PROC_CATEGORY_LL) {
        any_cased = true;
        if (which == "isupper") return false;
      }
    }
  }
  return (which == "isupper" || which == "islower") ? any_cased : true;
}

Text carry_marks(const Text& from, std::string transformed) {
  if (transformed.size() == from.str.size()) {
    Text out(std::move(transformed));
    out.marks = from.marks;
    return out;
  }
  return Text::marked(std::move(transformed), from.first_message());
}

}  // namespace hone::jinja
