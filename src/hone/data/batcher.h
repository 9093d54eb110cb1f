// Turns tokenized examples into micro-batches: deterministic shuffling per epoch from a seed,
// optional packing of several examples into one row (attention confined to each example,
// positions restarting), right padding otherwise, and a position that a checkpoint saves so a
// resumed run sees exactly the batches an uninterrupted run would have.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "hone/data/batch.h"
#include "hone/data/tokenized_example.h"

namespace hone {

struct BatchingOptions {
  int64_t batch_size = 1;   // rows per micro-batch
  int64_t seq_len = 512;    // row length when packing; the longest a row may be otherwise
  bool packing = false;
  bool shuffle = true;      // a fresh permutation of the examples every epoch, from seed
  uint64_t seed = 0;
  int32_t pad_id = 0;       // id written into padding (never scored, never attended to by real tokens)
};

// Where the batcher is: the epoch and how many examples of that epoch's order were consumed.
struct DataPosition {
  int64_t epoch = 0;
  int64_t consumed = 0;
  nlohmann::json to_json() const;
  static DataPosition from_json(const nlohmann::json& json);  // Error naming a missing key
};

class Batcher {
 public:
  // Examples must already fit seq_len (the dataset loader truncates). Error if there are none.
  Batcher(std::vector<TokenizedExample> examples, const BatchingOptions& options);

  // The next micro-batch; after the last example of an epoch the next epoch starts (reshuffled).
  // A batch never mixes epochs: the last batch of an epoch may hold fewer rows.
  Batch next();
  DataPosition position() const { return position_; }
  // Error when the position does not fit this dataset (epoch < 0, consumed beyond the epoch).
  void set_position(const DataPosition& position);

  // Micro-batches in the current epoch (for epochs -> steps and ETA). With packing the count
  // depends on the epoch's order, so it may differ slightly between epochs.
  int64_t batches_per_epoch() const;
  int64_t size() const { return int64_t(examples_.size()); }

 private:
  std::vector<int64_t> make_order(int64_t epoch) const;
  // The rows of the batch that starts at order[start]: one example each, or greedily packed.
  // Batches start on row boundaries, so planning from a saved position repeats the original.
  std::vector<std::vector<int64_t>> plan_rows(const std::vector<int64_t>& order, int64_t start) const;

  std::vector<TokenizedExample> examples_;
  BatchingOptions options_;
  DataPosition position_;
  std::vector<int64_t> order_;  // the permutation of epoch order_epoch_
  int64_t order_epoch_ = -1;
};

}  // namespace hone
