// Finite-difference checks (f64) for rope in both layouts and every scaling type, and the
// properties that tie the layouts and the table together.
#include <gtest/gtest.h>

#include <cmath>

#include "hone/autograd/ops_rope.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::expect_gradients_match;
using testing::random_f64;

RopeConfig config(int64_t head_dim, RopeLayout layout, RopeScalingType scaling = RopeScalingType::None) {
  RopeConfig c;
  c.head_dim = head_dim;
  c.theta = 500.0;  // small theta: every frequency turns noticeably over a few positions
  c.layout = layout;
  c.scaling.type = scaling;
  if (scaling == RopeScalingType::Linear) c.scaling.factor = 4.0;
  if (scaling == RopeScalingType::Llama3) {
    c.scaling.factor = 8.0;
    c.scaling.low_freq_factor = 1.0;
    c.scaling.high_freq_factor = 4.0;
    c.scaling.original_max_position_embeddings = 32;  // puts the head's frequencies in all three bands
  }
  return c;
}

Tensor ints(const Shape& shape, std::vector<int32_t> values) { return Tensor::from_ints(shape, values); }

class RopeGrad : public ::testing::TestWithParam<std::tuple<RopeLayout, RopeScalingType>> {};

TEST_P(RopeGrad, SharedPositionsWithOffsetAndPerRowPositions) {
  const auto [layout, scaling] = GetParam();
  auto table = RopeTable::create(config(8, layout, scaling), 64);
  Tensor x = random_f64({2, 3, 2, 8}, 1).set_requires_grad(true);
  const Tensor shared = rope_positions(3, 17);  // a KV-cache decoding offset
  expect_gradients_match([&](auto& in) { return rope(in[0], shared, table); }, {x});
  const Tensor per_row = ints({2, 3}, {0, 1, 2, 5, 0, 1});  // packed: the second row restarts
  expect_gradients_match([&](auto& in) { return rope(in[0], per_row, table); }, {x});
}

INSTANTIATE_TEST_SUITE_P(LayoutsAndScalings, RopeGrad,
                         ::testing::Combine(::testing::Values(RopeLayout::RotateHalf, RopeLayout::Interleaved),
                                            ::testing::Values(RopeScalingType::None, RopeScalingType::Linear,
                                                              RopeScalingType::Llama3)));

TEST(Rope, PositionZeroIsIdentityAndNormsArePreserved) {
  auto table = RopeTable::create(config(8, RopeLayout::RotateHalf), 16);
  Tensor x = random_f64({1, 2, 3, 8}, 2);
  const auto y0 = rope(x, ints({2}, {0, 0}), table).to_doubles();
  const auto xs = x.to_doubles();
  for (size_t i = 0; i < xs.size(); ++i) EXPECT_DOUBLE_EQ(y0[i], xs[i]);
  const auto y = rope(x, ints({2}, {5, 11}), table).to_doubles();
  for (size_t h = 0; h < xs.size(); h += 8) {  // each (i, i + 4) pair keeps its length
    for (size_t i = 0; i < 4; ++i) {
      const double before = std::hypot(xs[h + i], xs[h + i + 4]), after = std::hypot(y[h + i], y[h + i + 4]);
      EXPECT_NEAR(before, after, 1e-12);
    }
  }
}

TEST(Rope, InterleavedIsRotateHalfOnPermutedHeads) {
  // GGUF's interleaved layout is Hugging Face's layout with each head's dims permuted
  // [0, 2, 4, ..., 1, 3, 5, ...]; convert-at-load relies on exactly this.
  const int64_t Dh = 8;
  auto half = RopeTable::create(config(Dh, RopeLayout::RotateHalf, RopeScalingType::Llama3), 32);
  auto inter = RopeTable::create(config(Dh, RopeLayout::Interleaved, RopeScalingType::Llama3), 32);
  Tensor x = random_f64({2, 3, 2, Dh}, 3);
  const Tensor pos = rope_positions(3, 9);
  const auto xs = x.to_doubles();
  std::vector<double> permuted(xs.size());
  for (size_t h = 0; h < xs.size(); h += Dh)
    for (size_t i = 0; i < size_t(Dh / 2); ++i) {
      permuted[h + i] = xs[h + 2 * i];
      permuted[h + i + Dh / 2] = xs[h + 2 * i + 1];
    }
  const auto a = rope(x, pos, inter).to_doubles();
  const auto b = rope(Tensor::from_doubles(x.shape(), permuted), pos, half).to_doubles();
  for (size_t h = 0; h < xs.size(); h += Dh)
    for (size_t i = 0; i < size_t(Dh / 2); ++i) {
      EXPECT_NEAR(a[h + 2 * i], b[h + i], 1e-12);
      EXPECT_NEAR(a[h + 2 * i + 1], b[h + i + Dh / 2], 1e-12);
    }
}

TEST(Rope, LinearScalingDividesPositions) {
  // Position 8 with factor 4 must rotate exactly like position 2 unscaled.
  auto scaled = RopeTable::create(config(8, RopeLayout::RotateHalf, RopeScalingType::Linear), 16);
  auto plain = RopeTable::create(config(8, RopeLayout::RotateHalf), 16);
  Tensor x = random_f64({1, 1, 1, 8}, 4);
  const auto a = rope(x, ints({1}, {8}), scaled).to_doubles();
  const auto b = rope(x, ints({1}, {2}), plain).to_doubles();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6);
}

TEST(Rope, Llama3ScalingBands) {
  // High frequencies (short wavelengths) stay, low ones are divided by factor, medium ones are
  // interpolated strictly between.
  RopeConfig c = config(16, RopeLayout::RotateHalf, RopeScalingType::Llama3);
  RopeConfig plain_config = c;
  plain_config.scaling = RopeScaling{};
  const auto scaled = rope_inv_freq(c), plain = rope_inv_freq(plain_config);
  const double pi = std::acos(-1.0), old_len = 32.0;
  int low = 0, high = 0, medium = 0;
  for (size_t i = 0; i < plain.size(); ++i) {
    const double wavelen = 2 * pi / plain[i];
    if (wavelen < old_len / 4) {
      EXPECT_EQ(scaled[i], plain[i]);
      ++high;
    } else if (wavelen > old_len / 1) {
      EXPECT_FLOAT_EQ(scaled[i], plain[i] / 8.0f);
      ++low;
    } else {
      EXPECT_LT(scaled[i], plain[i]);
      EXPECT_GT(scaled[i], plain[i] / 8.0f);
      ++medium;
    }
  }
  EXPECT_GT(low, 0);
  EXPECT_GT(high, 0);
  EXPECT_GT(medium, 0);
}

TEST(Rope, BadArgumentsAreClearErrors) {
  auto table = RopeTable::create(config(8, RopeLayout::RotateHalf), 10);
  Tensor x = Tensor::zeros({1, 2, 1, 8});
  try {
    rope(x, ints({2}, {3, 10}), table);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("position 10 at index 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(rope(x, ints({2}, {-1, 0}), table), Error);
  EXPECT_THROW(rope(x, ints({3}, {0, 1, 2}), table), Error);
  EXPECT_THROW(rope(x, Tensor::zeros({2}), table), Error);
  EXPECT_THROW(rope(Tensor::zeros({1, 2, 1, 6}), ints({2}, {0, 1}), table), Error);
  EXPECT_THROW(rope(Tensor::zeros({2, 8}), ints({2}, {0, 1}), table), Error);
  EXPECT_THROW(RopeTable(config(7, RopeLayout::RotateHalf), 4), Error);
  RopeConfig bad = config(8, RopeLayout::RotateHalf, RopeScalingType::Llama3);
  bad.scaling.high_freq_factor = bad.scaling.low_freq_factor;
  EXPECT_THROW(RopeTable(bad, 4), Error);
  EXPECT_EQ(rope_scaling_type_from_name("llama3"), RopeScalingType::Llama3);
  EXPECT_EQ(rope_scaling_type_from_name("default"), RopeScalingType::None);
  EXPECT_THROW(rope_scaling_type_from_name("yarn"), Error);
}

}  // namespace
}  // namespace hone
