// Python's str methods on UTF-8 text, as chat templates call them (strip, split, replace,
// upper, title, ...). Lengths and indices count code points like Python; results keep the
// message marks of the bytes they were cut from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hone/tokenizer/jinja_text.h"

namespace hone::jinja {

// Byte offset of every code point, plus the total size at the end.
std::vector<size_t> code_point_offsets(const std::string& s);
size_t code_point_count(const std::string& s);

// str.strip / lstrip / rstrip: whitespace (Python's str.isspace) or any code point of `chars`.
Text strip(const Text& text, const std::optional<std::string>& chars, bool left, bool right);
// str.split(sep=None, maxsplit=-1) and str.rsplit.
std::vector<Text> split(const Text& text, const std::optional<std::string>& sep, int64_t maxsplit, bool from_right = false);
std::vector<Text> splitlines(const Text& text);
// str.replace(old, new, count=-1); an empty `old` inserts between code points as Python does.
Text replace(const Text& text, const std::string& old, const Text& replacement, int64_t count);

// Case mapping per code point (utf8proc's simple mappings).
std::string to_upper(const std::string& s);
std::string to_lower(const std::string& s);
std::string python_title(const std::string& s);       // str.title()
std::string python_capitalize(const std::string& s);  // str.capitalize()
std::string jinja_title(const std::string& s);        // Jinja's |title: words start after spaces, -, (, {, [, <

// str.find / rfind / count, indices in code points (-1 when absent).
int64_t find(const std::string& s, const std::string& sub, bool from_right);
int64_t count(const std::string& s, const std::string& sub);

bool is_python_space(uint32_t cp);
// str.isdigit / isalpha / isalnum / isspace / isupper / islower.
bool string_predicate(const std::string& s, const std::string& which);

// Keeps marks where a whole-string transform preserved the byte length, else marks everything
// with the first message any byte came from.
Text carry_marks(const Text& from, std::string transformed);

}  // namespace hone::jinja
