// Tokenizing a text in which some byte ranges are scored (a completion, an alpaca output, the
// assistant turns of a rendered chat): the ids are exactly those of tokenizing the whole text at
// once, and a token is scored when it holds scored bytes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hone/data/tokenized_example.h"

namespace hone {

class Tokenizer;

struct ScoredTokens {
  TokenizedExample example;
  // Scored/unscored boundaries that fell inside a token (the tokenizer merged bytes across
  // them); such a token is scored when any of its bytes is.
  int64_t split_boundaries = 0;
};

// Tokenizes `text` without special tokens. `scored` lists byte ranges [begin, end) to score
// (in any order; overlaps are merged). Token boundaries come from tokenizing the pieces between
// range boundaries separately when that reproduces the whole text's ids, else from tokenizing
// each prefix text[0, b) and matching it against the whole text's ids (as TRL masks a prompt by
// its token length).
ScoredTokens tokenize_scored_text(const Tokenizer& tokenizer, const std::string& text,
                                  std::vector<std::pair<size_t, size_t>> scored);

// The special tokens the tokenizer puts around a text when asked to (BOS for Llama, nothing for
// Qwen), found by comparing encode(x, true) with encode(x, false).
struct SpecialTokenFrame {
  std::vector<int32_t> prefix;
  std::vector<int32_t> suffix;
};
SpecialTokenFrame special_token_frame(const Tokenizer& tokenizer);

}  // namespace hone
