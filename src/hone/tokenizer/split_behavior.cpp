#include "hone/tokenizer/split_behavior.h"

#include <algorithm>

#include "hone/util/error.h"

namespace hone {

SplitBehavior parse_split_behavior(const std::string& name, std::string_view where) {
  if (name == "Removed") return SplitBehavior::Removed;
  if (name == "Isolated") return SplitBehavior::Isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (name == "Contiguous") return SplitBehavior::Contiguous;
  HONE_FAIL(where, ": unknown split behavior \"", name,
            "\" (supported: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
}

void emit_split(std::string_view text, bool at_text_start, std::vector<SplitSegment>& segments, SplitBehavior behavior,
                PreTokenized& out) {
  // Rewrites `segments` in place into the pieces to keep, following the tokenizers crate's fold.
  std::vector<SplitSegment>& s = segments;
  size_t kept = 0;
  switch (behavior) {
    case SplitBehavior::Removed:
      for (const auto& seg : s) {
        if (!seg.is_match) s[kept++] = seg;
      }
      break;
    case SplitBehavior::Isolated:
      kept = s.size();
      break;
    case SplitBehavior::MergedWithPrevious: {
      bool previous_match = false;
      for (size_t i = 0; i < s.size(); ++i) {
        const SplitSegment seg = s[i];
        if (seg.is_match && !previous_match && kept > 0) {
          s[kept - 1].end = seg.end;
        } else {
          s[kept++] = seg;
        }
        previous_match = seg.is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithNext: {
      bool previous_match = false;  // walking right to left: "previous" is the segment after
      std::vector<SplitSegment> reversed;
      reversed.reserve(s.size());
      for (size_t i = s.size(); i-- > 0;) {
        const SplitSegment seg = s[i];
        if (seg.is_match && !previous_match && !reversed.empty()) {
          reversed.back().start = seg.start;
        } else {
          reversed.push_back(seg);
        }
        previous_match = seg.is_match;
      }
      std::reverse(reversed.begin(), reversed.end());
      s = std::move(reversed);
      kept = s.size();
      break;
    }
    case SplitBehavior::Contiguous: {
      bool previous_match = false;
      for (size_t i = 0; i < s.size(); ++i) {
        const SplitSegment seg = s[i];
        if (seg.is_match == previous_match && kept > 0) {
          s[kept - 1].end = seg.end;
        } else {
          s[kept++] = seg;
        }
        previous_match = seg.is_match;
      }
      break;
    }
  }
  for (size_t i = 0; i < kept; ++i) {
    out.add(text.substr(s[i].start, s[i].end - s[i].start), at_text_start && s[i].start == 0);
  }
}

}  // namespace hone
