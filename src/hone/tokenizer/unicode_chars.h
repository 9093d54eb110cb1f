// Character classes and case mapping the tokenizer components need (whitespace, digits,
// punctuation, word characters, lowercase), defined as Rust's `char` methods define them because
// the Hugging Face tokenizers crate is written with those. Built on utf8proc's Unicode tables.
#pragma once

#include <string>
#include <string_view>

namespace hone::unicode {

bool is_whitespace(char32_t c);    // the White_Space property (Rust char::is_whitespace)
bool is_numeric(char32_t c);       // general category Nd, Nl or No (Rust char::is_numeric)
bool is_alphanumeric(char32_t c);  // letters, letter-like numbers, combining marks, or numeric
bool is_punctuation(char32_t c);   // ASCII punctuation or general category P* (HF `is_punc`)

// Full lowercase mapping as Rust's str::to_lowercase: per-character mapping plus the two
// context rules that matter in practice (U+0130 → "i̇", and Greek final sigma).
std::string to_lowercase(std::string_view text);

enum class NormalForm { NFC, NFD, NFKC, NFKD };
std::string normalize(std::string_view text, NormalForm form);

}  // namespace hone::unicode
