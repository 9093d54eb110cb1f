// tokenize_scored_text: byte ranges -> scored tokens, with ids always those of the whole text,
// on both of its paths (pieces tokenized one by one, and prefixes matched against the whole).
#include "hone/data/scored_text.h"

#include <gtest/gtest.h>

#include "data_test_support.h"
#include "hone/data/batcher.h"
#include "hone/data/dataset.h"
#include "hone/tokenizer/tokenizer.h"
#include "hone/util/error.h"

namespace hone {
namespace {

using testing::reference_tokenizer;
using testing::scored_runs;

TEST(ScoredText, RangesAreMergedAndIdsAreThoseOfTheWholeText) {
  const Tokenizer& tokenizer = reference_tokenizer("llama3");
  const std::string text = "Hello world. Second part. Third part.";
  const auto whole = tokenizer.encode(text, false);
  // "Hello world." | " Second part." | " Third part." — scored: the first and the last, given
  // as overlapping and unordered ranges.
  const size_t second = text.find(" Second"), third = text.find(" Third");
  const auto scored = tokenize_scored_text(tokenizer, text, {{third, text.size()}, {0, 5}, {3, second}});
  EXPECT_EQ(scored.example.input_ids, whole);
  EXPECT_EQ(scored.split_boundaries, 0);
  const auto runs = scored_runs(scored.example);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(tokenizer.decode(runs[0]), "Hello world.");
  EXPECT_EQ(tokenizer.decode(runs[1]), " Third part.");
}

TEST(ScoredText, NothingScoredAndBadRanges) {
  const Tokenizer& tokenizer = reference_tokenizer("qwen3");
  const auto none = tokenize_scored_text(tokenizer, "abc def", {{2, 2}});
  EXPECT_EQ(scored_runs(none.example).size(), 0u);
  EXPECT_EQ(none.example.input_ids, tokenizer.encode("abc def", false));
  EXPECT_THROW(tokenize_scored_text(tokenizer, "abc", {{1, 9}}), Error);
  EXPECT_THROW(tokenize_scored_text(tokenizer, "abc", {{2, 1}}), Error);
}

TEST(ScoredText, PrefixMatchingFindsBoundariesWhenPiecesTokenizeDifferently) {
  // The Llama 2 tokenizer prefixes every encode() with "▁", so pieces tokenized alone differ
  // from the whole text and the prefix path runs; it must still find exact token boundaries.
  const Tokenizer& tokenizer = reference_tokenizer("llama2");
  const std::string prompt = "Question: what is two plus two?", answer = " Four.";
  const std::string text = prompt + answer;
  std::vector<int32_t> joined = tokenizer.encode(prompt, false);
  const auto answer_alone = tokenizer.encode(answer, false);
  joined.insert(joined.end(), answer_alone.begin(), answer_alone.end());
  ASSERT_NE(joined, tokenizer.encode(text, false)) << "this case must exercise the prefix path";

  const auto scored = tokenize_scored_text(tokenizer, text, {{prompt.size(), text.size()}});
  EXPECT_EQ(scored.example.input_ids, tokenizer.encode(text, false));
  EXPECT_EQ(scored.split_boundaries, 0);
  const auto runs = scored_runs(scored.example);
  ASSERT_EQ(runs.size(), 1u);
  const auto prompt_ids = tokenizer.encode(prompt, false);
  EXPECT_EQ(runs[0].size(), scored.example.input_ids.size() - prompt_ids.size());
  EXPECT_EQ(tokenizer.decode(runs[0]), "Four.");
}

TEST(ScoredText, BatchesOfAnEpochScoreWhatTheDatasetCounts) {
  // The trainer normalises by Batch::scored_tokens; over one epoch they must add up to the
  // dataset's count, packed or not.
  const Tokenizer& tokenizer = reference_tokenizer("qwen3");
  const Dataset data = load_dataset(testing::dataset_fixture("messages.jsonl"), {}, &tokenizer);
  for (bool packing : {false, true}) {
    BatchingOptions options;
    options.batch_size = 2;
    options.seq_len = 512;
    options.packing = packing;
    Batcher batcher(data.examples, options);
    int64_t scored = 0, examples = 0;
    for (int64_t b = 0; b < batcher.batches_per_epoch(); ++b) {
      const Batch batch = batcher.next();
      scored += batch.scored_tokens;
      examples += batch.examples;
    }
    EXPECT_EQ(scored, data.stats.scored_tokens) << (packing ? "packed" : "unpacked");
    EXPECT_EQ(examples, data.stats.examples);
    EXPECT_EQ(batcher.position().epoch, 1);
  }
}

}  // namespace
}  // namespace hone
