#include "hone/data/batcher.h"

#include <algorithm>
#include <numeric>

#include "hone/data/seeded_permutation.h"
#include "hone/util/error.h"

namespace hone {

nlohmann::json DataPosition::to_json() const { return {{"epoch", epoch}, {"consumed", consumed}}; }

DataPosition DataPosition::from_json(const nlohmann::json& json) {
  HONE_CHECK(json.is_object(), "data position must be a JSON object {\"epoch\", \"consumed\"}, got ", json.type_name());
  DataPosition position;
  for (auto [key, field] : {std::pair{"epoch", &position.epoch}, std::pair{"consumed", &position.consumed}}) {
    auto it = json.find(key);
    HONE_CHECK(it != json.end(), "data position has no \"", key, "\"");
    HONE_CHECK(it->is_number_integer(), "data position \"", key, "\" must be an integer, got ", it->dump());
    *field = it->get<int64_t>();
  }
  return position;
}

Batcher::Batcher(std::vector<TokenizedExample> examples, const BatchingOptions& options)
    : examples_(std::move(examples)), options_(options) {
  HONE_CHECK(!examples_.empty(), "no examples to batch");
  HONE_CHECK(options_.batch_size >= 1, "batch_size must be at least 1, got ", options_.batch_size);
  HONE_CHECK(options_.seq_len >= 1, "seq_len must be at least 1, got ", options_.seq_len);
  for (size_t i = 0; i < examples_.size(); ++i) {
    const auto& example = examples_[i];
    HONE_CHECK(!example.input_ids.empty(), "example ", i, " has no tokens");
    HONE_CHECK(example.labels.size() == example.input_ids.size(), "example ", i, " has ", example.labels.size(),
               " labels for ", example.input_ids.size(), " tokens");
    HONE_CHECK(int64_t(example.input_ids.size()) <= options_.seq_len, "example ", i, " has ", example.input_ids.size(),
               " tokens, more than seq_len ", options_.seq_len, " (truncate when loading)");
  }
}

void Batcher::set_position(const DataPosition& position) {
  HONE_CHECK(position.epoch >= 0, "data position epoch must be >= 0, got ", position.epoch);
  HONE_CHECK(position.consumed >= 0 && position.consumed <= size(), "data position consumed ", position.consumed,
             " is outside an epoch of ", size(), " examples (was the dataset changed since the checkpoint?)");
  position_ = position;
  if (position_.consumed == size()) position_ = {position_.epoch + 1, 0};
}

std::vector<int64_t> Batcher::make_order(int64_t epoch) const {
  if (options_.shuffle) return seeded_permutation(size(), options_.seed, kEpochOrderStream + uint64_t(epoch));
  std::vector<int64_t> order(static_cast<size_t>(size()));
  std::iota(order.begin(), order.end(), int64_t(0));
  return order;
}

std::vector<std::vector<int64_t>> Batcher::plan_rows(const std::vector<int64_t>& order, int64_t start) const {
  std::vector<std::vector<int64_t>> rows;
  const int64_t n = int64_t(order.size());
  int64_t at = start;
  while (at < n && int64_t(rows.size()) < options_.batch_size) {
    std::vector<int64_t> row;
    int64_t length = 0;
    if (options_.packing) {
      // Greedy in the epoch's order: an example that does not fit starts the next row.
      while (at < n) {
        const auto example_length = int64_t(examples_[size_t(order[size_t(at)])].input_ids.size());
        if (!row.empty() && length + example_length > options_.seq_len) break;
        row.push_back(order[size_t(at++)]);
        length += example_length;
      }
    } else {
      row.push_back(order[size_t(at++)]);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Batch Batcher::next() {
  if (order_epoch_ != position_.epoch) {
    order_ = make_order(position_.epoch);
    order_epoch_ = position_.epoch;
  }
  const auto& order = order_;
  const auto rows = plan_rows(order, position_.consumed);

  int64_t width = 0;
  for (const auto& row : rows) {
    int64_t length = 0;
    for (int64_t index : row) length += int64_t(examples_[size_t(index)].input_ids.size());
    width = std::max(width, length);
  }
  const auto batch_rows = int64_t(rows.size());
  const size_t cells = size_t(batch_rows * width);
  std::vector<int32_t> ids(cells, options_.pad_id), labels(cells, kIgnoreLabel), positions(cells, 0), segments(cells, 0);

  Batch batch;
  for (int64_t r = 0; r < batch_rows; ++r) {
    const size_t row_start = size_t(r * width);
    size_t at = row_start;
    int32_t segment = 0;
    for (int64_t index : rows[size_t(r)]) {
      const TokenizedExample& example = examples_[size_t(index)];
      const size_t length = example.input_ids.size();
      std::copy(example.input_ids.begin(), example.input_ids.end(), ids.begin() + long(at));
      std::copy(example.labels.begin(), example.labels.end(), labels.begin() + long(at));
      // Nothing in the row may predict an example's first token: alone it has no predecessor.
      labels[at] = kIgnoreLabel;
      for (size_t t = 0; t < length; ++t) {
        positions[at + t] = int32_t(t);
        segments[at + t] = segment;
      }
      at += length;
      ++segment;
      ++batch.examples;
    }
    batch.real_tokens += int64_t(at - row_start);
    batch.row_real_tokens.push_back(int64_t(at - row_start));
    batch.row_examples.push_back(int64_t(rows[size_t(r)].size()));
    // Padding is a segment of its own, so no real token attends to it even without causality.
    std::fill(segments.begin() + long(at), segments.begin() + long(row_start + size_t(width)), segment);
    for (size_t t = row_start + 1; t < row_start + size_t(width); ++t) batch.scored_tokens += labels[t] != kIgnoreLabel;
  }

  const Shape shape{batch_rows, width};
  batch.ids = Tensor::from_ints(shape, ids);
  batch.labels = Tensor::from_ints(shape, labels);
  if (options_.packing) {
    batch.positions = Tensor::from_ints(shape, positions);
    batch.segment_ids = Tensor::from_ints(shape, segments);
  }

  position_.consumed += batch.examples;
  if (position_.consumed == size()) position_ = {position_.epoch + 1, 0};
  return batch;
}

int64_t Batcher::batches_per_epoch() const {
  if (!options_.packing) return (size() + options_.batch_size - 1) / options_.batch_size;
  // Packed rows depend on the order, so count this epoch's plan.
  const std::vector<int64_t> order = make_order(position_.epoch);
  int64_t batches = 0;
  for (int64_t at = 0; at < size(); ++batches)
    for (const auto& row : plan_rows(order, at)) at += int64_t(row.size());
  return batches;
}

}  // namespace hone
