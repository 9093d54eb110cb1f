#include "hone/data/scored_text.h"

#include <algorithm>

#include "hone/tokenizer/tokenizer.h"
#include "hone/util/error.h"

namespace hone {

namespace {

std::vector<std::pair<size_t, size_t>> merge_ranges(std::vector<std::pair<size_t, size_t>> ranges, size_t size) {
  std::vector<std::pair<size_t, size_t>> merged;
  std::sort(ranges.begin(), ranges.end());
  for (auto [begin, end] : ranges) {
    HONE_CHECK(begin <= end && end <= size, "scored range [", begin, ", ", end, ") is outside a text of ", size, " bytes");
    if (begin == end) continue;
    if (!merged.empty() && begin <= merged.back().second)
      merged.back().second = std::max(merged.back().second, end);
    else
      merged.emplace_back(begin, end);
  }
  return merged;
}

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

ScoredTokens tokenize_scored_text(const Tokenizer& tokenizer, const std::string& text,
                                  std::vector<std::pair<size_t, size_t>> scored) {
  const auto ranges = merge_ranges(std::move(scored), text.size());
  ScoredTokens out;
  std::vector<int32_t>& ids = out.example.input_ids;
  ids = tokenizer.encode(text, false);
  std::vector<int32_t>& labels = out.example.labels;
  labels.assign(ids.size(), kIgnoreLabel);
  if (ranges.empty()) return out;

  // Cheap path: the pieces between boundaries, tokenized one by one, give the same ids.
  std::vector<size_t> cuts = {0};
  for (auto [begin, end] : ranges) {
    if (begin != cuts.back()) cuts.push_back(begin);
    cuts.push_back(end);
  }
  if (cuts.back() != text.size()) cuts.push_back(text.size());
  std::vector<int32_t> joined;
  std::vector<std::pair<size_t, size_t>> token_ranges;  // token index ranges of the scored pieces
  size_t range = 0;
  for (size_t c = 0; c + 1 < cuts.size(); ++c) {
    const size_t first_token = joined.size();
    const auto piece = tokenizer.encode(std::string_view(text).substr(cuts[c], cuts[c + 1] - cuts[c]), false);
    joined.insert(joined.end(), piece.begin(), piece.end());
    if (range < ranges.size() && ranges[range].first == cuts[c]) {
      token_ranges.emplace_back(first_token, joined.size());
      ++range;
    }
  }
  if (joined != ids) {
    // Slow path: where does each boundary fall in the whole text's ids? A prefix whose ids are
    // a prefix of the whole ids ends on a token boundary; otherwise the first differing token
    // straddles the boundary and is scored.
    token_ranges.clear();
    auto locate = [&](size_t byte, bool is_end) -> size_t {
      if (byte == 0) return 0;
      if (byte == text.size()) return ids.size();
      const auto prefix = tokenizer.encode(std::string_view(text).substr(0, byte), false);
      const size_t common = common_prefix(prefix, ids);
      if (common == prefix.size()) return common;
      ++out.split_boundaries;
      return std::min(ids.size(), is_end ? common + 1 : common);
    };
    for (auto [begin, end] : ranges) token_ranges.emplace_back(locate(begin, false), locate(end, true));
  }
  for (auto [begin, end] : token_ranges)
    for (size_t t = begin; t < end; ++t) labels[t] = ids[t];
  return out;
}

SpecialTokenFrame special_token_frame(const Tokenizer& tokenizer) {
  // A probe whose ids are not special tokens themselves.
  const std::string probe = "a";
  const auto plain = tokenizer.encode(probe, false);
  const auto framed = tokenizer.encode(probe, true);
  SpecialTokenFrame frame;
  for (size_t at = 0; at + plain.size() <= framed.size(); ++at) {
    if (!std::equal(plain.begin(), plain.end(), framed.begin() + long(at))) continue;
    frame.prefix.assign(framed.begin(), framed.begin() + long(at));
    frame.suffix.assign(framed.begin() + long(at + plain.size()), framed.end());
    return frame;
  }
  HONE_FAIL("the tokenizer's special tokens change the text's own ids (encode(\"", probe, "\") differs with and without them)");
}

}  // namespace hone
