// One micro-batch as the model consumes it. Labels are per token and NOT yet shifted (the
// model's loss shifts them by one); -100 marks tokens that are not scored (prompt, padding, the
// first token of each packed example).
#pragma once

#include <cstdint>
#include <vector>

#include "hone/tensor/tensor.h"

namespace hone {

struct Batch {
  Tensor ids;          // I32 [B, T]
  Tensor labels;       // I32 [B, T]
  Tensor positions;    // I32 [B, T] when packed (restarting per example), else undefined
  Tensor segment_ids;  // I32 [B, T] when packed (example index within the row), else undefined
  int64_t scored_tokens = 0;  // labels that are scored after the one-token shift
  int64_t real_tokens = 0;    // tokens that are not padding
  int64_t examples = 0;       // examples in this batch
  // Per row, so that a slice of rows (a data-parallel rank's share) keeps exact counts.
  std::vector<int64_t> row_real_tokens, row_examples;
};

// Rows [begin, end) of `batch` (sharing storage), with the counts of those rows.
Batch batch_rows(const Batch& batch, int64_t begin, int64_t end);

}  // namespace hone
