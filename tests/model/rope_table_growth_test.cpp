// A model allocates RoPE angles for the positions it has run, not for max_position_embeddings:
// a config.json with 2^31 - 1 positions used to abort (bad_alloc) or take seconds and gigabytes
// even for a 64-token sequence (issue 11, item 1). A grown table gives the same angles.
#include <gtest/gtest.h>

#include "hone/autograd/grad_mode.h"
#include "hone/model/decoder_model.h"

namespace hone {
namespace {

DecoderConfig tiny_config(int64_t max_positions) {
  DecoderConfig c;
  c.vocab_size = 32;
  c.hidden_size = 16;
  c.intermediate_size = 24;
  c.num_layers = 1;
  c.num_heads = 2;
  c.num_kv_heads = 2;
  c.head_dim = 8;
  c.max_position_embeddings = max_positions;
  return c;
}

Tensor logits_for(DecoderModel& m, int64_t length) {
  std::vector<int32_t> ids;
  for (int64_t i = 0; i < length; ++i) ids.push_back(int32_t(i % 32));
  return m.logits(m.hidden_states(Tensor::from_ints({1, length}, ids)));
}

TEST(RopeTableGrowth, HugeMaxPositionsAllocatesOnlyWhatIsRun) {
  DecoderModel huge(tiny_config(int64_t(1) << 40));
  huge.init_random(3, 0.1);
  EXPECT_EQ(huge.rope_table(), nullptr);
  NoGradGuard no_grad;
  logits_for(huge, 5);
  ASSERT_NE(huge.rope_table(), nullptr);
  EXPECT_LE(huge.rope_table()->max_positions(), 256);
  logits_for(huge, 300);
  EXPECT_GE(huge.rope_table()->max_positions(), 300);
  EXPECT_LE(huge.rope_table()->max_positions(), 600);
}

TEST(RopeTableGrowth, AGrownTableGivesTheSameLogitsAsAFullOne) {
  DecoderModel grown(tiny_config(1000)), small(tiny_config(1000));
  grown.init_random(5, 0.1);
  small.init_random(5, 0.1);
  NoGradGuard no_grad;
  logits_for(grown, 3);      // builds a short table first
  const Tensor a = logits_for(grown, 700);  // then grows it
  const Tensor b = logits_for(small, 700);  // built once at this length
  ASSERT_EQ(a.numel(), b.numel());
  for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a.data<float>()[i], b.data<float>()[i]) << i;
  EXPECT_EQ(grown.rope_table()->max_positions(), 700);
  EXPECT_EQ(small.rope_table()->max_positions(), 700);
}

}  // namespace
}  // namespace hone
