#include "hone/data/batch.h"

#include "hone/data/tokenized_example.h"
#include "hone/util/error.h"

namespace hone {

Batch batch_rows(const Batch& batch, int64_t begin, int64_t end) {
  const int64_t rows = batch.ids.dim(0);
  HONE_CHECK(0 <= begin && begin <= end && end <= rows, "batch rows [", begin, ", ", end, ") of a batch of ", rows);
  HONE_CHECK(int64_t(batch.row_real_tokens.size()) == rows && int64_t(batch.row_examples.size()) == rows,
             "batch rows: the batch has no per-row counts (not made by the Batcher)");
  Batch out;
  out.ids = batch.ids.slice(begin, end);
  out.labels = batch.labels.slice(begin, end);
  if (batch.positions.defined()) out.positions = batch.positions.slice(begin, end);
  if (batch.segment_ids.defined()) out.segment_ids = batch.segment_ids.slice(begin, end);
  const int64_t width = batch.labels.dim(1);
  const int32_t* labels = out.labels.data<int32_t>();
  // Scored as the Batcher counts: after the one-token shift, so a row's first label never counts.
  for (int64_t r = 0; r < end - begin; ++r)
    for (int64_t t = 1; t < width; ++t) out.scored_tokens += labels[r * width + t] != kIgnoreLabel;
  for (int64_t r = begin; r < end; ++r) {
    out.real_tokens += batch.row_real_tokens[size_t(r)];
    out.examples += batch.row_examples[size_t(r)];
    out.row_real_tokens.push_back(batch.row_real_tokens[size_t(r)]);
    out.row_examples.push_back(batch.row_examples[size_t(r)]);
  }
  return out;
}

}  // namespace hone
