// Packing must not change what the model learns: the summed loss of each example inside one
// packed row (positions restarting, attention confined to the example) equals its loss alone.
#include <gtest/gtest.h>

#include "hone/autograd/grad_mode.h"
#include "hone/data/batcher.h"
#include "hone/model/hf_model.h"
#include "hone/util/rng.h"

namespace hone {
namespace {

std::vector<TokenizedExample> random_examples(const std::vector<int>& lengths, int32_t vocab) {
  Rng rng(42);
  std::vector<TokenizedExample> examples;
  for (int length : lengths) {
    TokenizedExample example;
    for (int t = 0; t < length; ++t) {
      const int32_t id = int32_t(rng.next_bits() % uint32_t(vocab));
      example.input_ids.push_back(id);
      // A prompt-like unscored start, as completion data has.
      example.labels.push_back(t < 2 ? kIgnoreLabel : id);
    }
    examples.push_back(example);
  }
  return examples;
}

double summed_loss(DecoderModel& model, const Tensor& ids, const Tensor& labels, const ForwardOptions& options) {
  return model.loss(ids, labels, options, /*sum=*/true).item();
}

TEST(PackedLoss, EachExampleInAPackedRowHasItsUnpackedLoss) {
  NoGradGuard no_grad;
  auto model = load_hf_model(std::string(HONE_TEST_DATA_DIR) + "/models/llama_gqa");
  const int32_t vocab = int32_t(model->config().vocab_size);
  const std::vector<int> lengths = {7, 5, 9, 4};
  const auto examples = random_examples(lengths, vocab);

  BatchingOptions options;
  options.batch_size = 1;
  options.seq_len = 32;
  options.packing = true;
  options.shuffle = false;
  Batcher batcher(examples, options);
  const Batch packed = batcher.next();
  ASSERT_EQ(packed.examples, 4);
  ASSERT_EQ(packed.ids.shape(), (Shape{1, 25}));
  ForwardOptions packed_options;
  packed_options.positions = packed.positions;
  packed_options.segment_ids = packed.segment_ids;

  const int32_t* segments = packed.segment_ids.data<int32_t>();
  double total_alone = 0;
  int64_t scored_alone = 0;
  for (int32_t k = 0; k < int32_t(examples.size()); ++k) {
    // The packed row's loss restricted to example k's labels.
    Tensor only_k = packed.labels.clone();
    for (int64_t t = 0; t < only_k.numel(); ++t)
      if (segments[t] != k) only_k.data<int32_t>()[t] = kIgnoreLabel;
    const double in_row = summed_loss(*model, packed.ids, only_k, packed_options);

    const auto& example = examples[size_t(k)];
    const Shape shape{1, int64_t(example.input_ids.size())};
    const double alone =
        summed_loss(*model, Tensor::from_ints(shape, example.input_ids), Tensor::from_ints(shape, example.labels), {});
    EXPECT_NEAR(in_row, alone, 1e-5) << "example " << k;
    EXPECT_GT(alone, 0.0);
    total_alone += alone;
    scored_alone += int64_t(example.input_ids.size()) - 2;
  }
  EXPECT_NEAR(summed_loss(*model, packed.ids, packed.labels, packed_options), total_alone, 1e-4);
  EXPECT_EQ(packed.scored_tokens, scored_alone);

  // Control: the same row without positions and segments lets later examples see earlier ones,
  // and their losses change, so the comparison above is a real check.
  const double naive = summed_loss(*model, packed.ids, packed.labels, {});
  EXPECT_GT(std::abs(naive - total_alone), 1e-3);
}

}  // namespace
}  // namespace hone
