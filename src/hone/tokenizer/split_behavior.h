// How a split keeps its delimiters (Hugging Face's SplitDelimiterBehavior): dropped, kept alone,
// glued to the piece before or after, or runs of delimiters kept together.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "hone/tokenizer/pre_tokenized.h"

namespace hone {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// Parses "Removed", "Isolated", ...; `where` names the JSON path in the error.
SplitBehavior parse_split_behavior(const std::string& name, std::string_view where);

// A stretch of a piece and whether it was a delimiter match.
struct SplitSegment {
  size_t start, end;
  bool is_match;
};

// Applies `behavior` to `segments` (which cover `text` left to right) and adds the resulting
// non-empty pieces to `out`. The first piece inherits `at_text_start` when it starts at offset 0.
void emit_split(std::string_view text, bool at_text_start, std::vector<SplitSegment>& segments, SplitBehavior behavior,
                PreTokenized& out);

}  // namespace hone
