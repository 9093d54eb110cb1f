// Batcher: right-padded batches, greedy packing layout (positions restart, segments, first
// tokens unscored), deterministic per-epoch shuffling, and resuming from a saved position.
#include "hone/data/batcher.h"

#include <gtest/gtest.h>

#include <set>

#include "hone/util/error.h"

namespace hone {
namespace {

// Example i has `lengths[i]` tokens, ids 100*i + t, every label scored except the first token.
std::vector<TokenizedExample> examples_of_lengths(const std::vector<int>& lengths) {
  std::vector<TokenizedExample> examples;
  for (size_t i = 0; i < lengths.size(); ++i) {
    TokenizedExample example;
    for (int t = 0; t < lengths[i]; ++t) {
      example.input_ids.push_back(int32_t(100 * i + size_t(t)));
      example.labels.push_back(t == 0 ? kIgnoreLabel : int32_t(100 * i + size_t(t)));
    }
    examples.push_back(example);
  }
  return examples;
}

std::vector<int32_t> ints(const Tensor& t) {
  std::vector<int32_t> out(size_t(t.numel()));
  std::copy(t.data<int32_t>(), t.data<int32_t>() + t.numel(), out.begin());
  return out;
}

// Which example each row starts with, batch after batch (example index = first id / 100).
std::vector<int32_t> first_examples(const Batch& batch) {
  std::vector<int32_t> out;
  const auto ids = ints(batch.ids);
  for (int64_t r = 0; r < batch.ids.dim(0); ++r) out.push_back(ids[size_t(r * batch.ids.dim(1))] / 100);
  return out;
}

bool same_batch(const Batch& a, const Batch& b) {
  return ints(a.ids) == ints(b.ids) && ints(a.labels) == ints(b.labels) && a.ids.shape() == b.ids.shape() &&
         a.positions.defined() == b.positions.defined() &&
         (!a.positions.defined() || (ints(a.positions) == ints(b.positions) && ints(a.segment_ids) == ints(b.segment_ids))) &&
         a.scored_tokens == b.scored_tokens && a.real_tokens == b.real_tokens && a.examples == b.examples;
}

TEST(Batcher, UnpackedBatchesAreRightPaddedWithUnscoredPadding) {
  BatchingOptions options;
  options.batch_size = 3;
  options.seq_len = 8;
  options.shuffle = false;
  options.pad_id = 7;
  Batcher batcher(examples_of_lengths({2, 4, 3, 5, 1, 2, 3}), options);
  EXPECT_EQ(batcher.batches_per_epoch(), 3);

  const Batch first = batcher.next();
  EXPECT_EQ(first.ids.shape(), (Shape{3, 4}));
  EXPECT_FALSE(first.positions.defined());
  EXPECT_FALSE(first.segment_ids.defined());
  EXPECT_EQ(ints(first.ids), (std::vector<int32_t>{0, 1, 7, 7, 100, 101, 102, 103, 200, 201, 202, 7}));
  EXPECT_EQ(ints(first.labels), (std::vector<int32_t>{-100, 1, -100, -100, -100, 101, 102, 103, -100, 201, 202, -100}));
  EXPECT_EQ(first.examples, 3);
  EXPECT_EQ(first.real_tokens, 2 + 4 + 3);
  EXPECT_EQ(first.scored_tokens, 1 + 3 + 2);
  EXPECT_EQ(batcher.position().epoch, 0);
  EXPECT_EQ(batcher.position().consumed, 3);

  // A data-parallel rank's rows keep their own exact counts; an empty share counts nothing.
  const Batch tail = batch_rows(first, 1, 3);
  EXPECT_EQ(tail.ids.shape(), (Shape{2, 4}));
  EXPECT_EQ(ints(tail.labels), (std::vector<int32_t>{-100, 101, 102, 103, -100, 201, 202, -100}));
  EXPECT_EQ(tail.examples, 2);
  EXPECT_EQ(tail.real_tokens, 4 + 3);
  EXPECT_EQ(tail.scored_tokens, 3 + 2);
  const Batch none = batch_rows(first, 3, 3);
  EXPECT_EQ(none.scored_tokens + none.real_tokens + none.examples, 0);
  EXPECT_THROW(batch_rows(first, 2, 4), Error);

  batcher.next();
  const Batch last = batcher.next();  // an epoch's last batch holds what is left
  EXPECT_EQ(last.ids.shape(), (Shape{1, 3}));
  EXPECT_EQ(last.examples, 1);
  EXPECT_EQ(batcher.position().epoch, 1);
  EXPECT_EQ(batcher.position().consumed, 0);
}

TEST(Batcher, PackingFillsRowsGreedilyWithRestartingPositionsAndSegments) {
  BatchingOptions options;
  options.batch_size = 2;
  options.seq_len = 6;
  options.packing = true;
  options.shuffle = false;
  options.pad_id = 9;
  // Rows: [0] (3 tokens; example 1 does not fit after it), [1, 2] (4 + 2), [3, 4] (5 + 1).
  Batcher batcher(examples_of_lengths({3, 4, 2, 5, 1}), options);
  EXPECT_EQ(batcher.batches_per_epoch(), 2);

  const Batch first = batcher.next();
  ASSERT_EQ(first.ids.shape(), (Shape{2, 6}));
  EXPECT_EQ(ints(first.ids), (std::vector<int32_t>{0, 1, 2, 9, 9, 9, 100, 101, 102, 103, 200, 201}));
  EXPECT_EQ(ints(first.positions), (std::vector<int32_t>{0, 1, 2, 0, 0, 0, 0, 1, 2, 3, 0, 1}));
  // Padding is a segment of its own.
  EXPECT_EQ(ints(first.segment_ids), (std::vector<int32_t>{0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1}));
  // The first token of every packed example is unscored, so example 1's last token does not
  // learn to predict example 2's first.
  EXPECT_EQ(ints(first.labels),
            (std::vector<int32_t>{-100, 1, 2, -100, -100, -100, -100, 101, 102, 103, -100, 201}));
  EXPECT_EQ(first.examples, 3);
  EXPECT_EQ(first.real_tokens, 3 + 6);
  EXPECT_EQ(first.scored_tokens, 2 + 3 + 1);
  EXPECT_EQ(batcher.position().consumed, 3);

  const Batch second = batcher.next();
  ASSERT_EQ(second.ids.shape(), (Shape{1, 6}));
  EXPECT_EQ(ints(second.segment_ids), (std::vector<int32_t>{0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(ints(second.positions), (std::vector<int32_t>{0, 1, 2, 3, 4, 0}));
  EXPECT_EQ(second.scored_tokens, 4 + 0);
  EXPECT_EQ(batcher.position().epoch, 1);
}

TEST(Batcher, PackedRowsAreOnlyAsWideAsTheLongestRow) {
  BatchingOptions options;
  options.batch_size = 4;
  options.seq_len = 64;
  options.packing = true;
  Batcher batcher(examples_of_lengths({3, 4, 2}), options);
  const Batch batch = batcher.next();
  EXPECT_EQ(batch.ids.shape(), (Shape{1, 9}));
  EXPECT_EQ(batch.examples, 3);
}

TEST(Batcher, EachEpochIsASeededPermutationOfAllExamples) {
  std::vector<int> lengths(23, 2);
  BatchingOptions options;
  options.batch_size = 1;
  options.seq_len = 4;
  options.seed = 1234;
  auto epoch_orders = [&](uint64_t seed, int epochs) {
    BatchingOptions o = options;
    o.seed = seed;
    Batcher batcher(examples_of_lengths(lengths), o);
    std::vector<std::vector<int32_t>> orders(static_cast<size_t>(epochs));
    for (int e = 0; e < epochs; ++e)
      for (int64_t b = 0; b < batcher.batches_per_epoch(); ++b) orders[size_t(e)].push_back(first_examples(batcher.next())[0]);
    return orders;
  };
  const auto orders = epoch_orders(1234, 3);
  for (const auto& order : orders) EXPECT_EQ(std::set<int32_t>(order.begin(), order.end()).size(), lengths.size());
  EXPECT_NE(orders[0], orders[1]) << "epochs must reshuffle";
  EXPECT_NE(orders[1], orders[2]);
  EXPECT_EQ(epoch_orders(1234, 3), orders) << "the same seed gives the same order";
  EXPECT_NE(epoch_orders(99, 1)[0], orders[0]);
}

void expect_resume_matches(BatchingOptions options, const std::vector<int>& lengths, int stop_after) {
  Batcher straight(examples_of_lengths(lengths), options);
  for (int i = 0; i < stop_after; ++i) straight.next();
  // What a checkpoint stores, through JSON as the trainer writes it.
  const nlohmann::json saved = nlohmann::json::parse(straight.position().to_json().dump());
  Batcher resumed(examples_of_lengths(lengths), options);
  resumed.set_position(DataPosition::from_json(saved));
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(same_batch(straight.next(), resumed.next())) << "batch " << i << " after resume";
}

TEST(Batcher, ResumingFromASavedPositionGivesTheSameNextBatches) {
  const std::vector<int> lengths = {3, 4, 2, 5, 1, 6, 2, 2, 3, 4, 1};
  BatchingOptions options;
  options.batch_size = 2;
  options.seq_len = 8;
  options.seed = 5;
  for (bool packing : {false, true}) {
    SCOPED_TRACE(packing ? "packed" : "unpacked");
    options.packing = packing;
    for (int stop : {1, 2, 3, 5, 7}) expect_resume_matches(options, lengths, stop);
  }
}

TEST(Batcher, PositionsThatDoNotFitAreErrors) {
  BatchingOptions options;
  options.seq_len = 8;
  Batcher batcher(examples_of_lengths({2, 3}), options);
  EXPECT_THROW(batcher.set_position({0, 3}), Error);
  EXPECT_THROW(batcher.set_position({-1, 0}), Error);
  batcher.set_position({4, 2});  // the end of epoch 4 is the start of epoch 5
  EXPECT_EQ(batcher.position().epoch, 5);
  EXPECT_EQ(batcher.position().consumed, 0);
  try {
    DataPosition::from_json(nlohmann::json{{"epoch", 1}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"consumed\""), std::string::npos) << e.what();
  }
  EXPECT_THROW(DataPosition::from_json(nlohmann::json{{"epoch", "1"}, {"consumed", 0}}), Error);
}

TEST(Batcher, RejectsExamplesThatDoNotFitAndEmptyInput) {
  BatchingOptions options;
  options.seq_len = 3;
  EXPECT_THROW(Batcher(examples_of_lengths({2, 4}), options), Error);
  EXPECT_THROW(Batcher({}, options), Error);
  options.batch_size = 0;
  EXPECT_THROW(Batcher(examples_of_lengths({2}), options), Error);
}

}  // namespace
}  // namespace hone
