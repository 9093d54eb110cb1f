// Finite-difference checks (f64) for rms_norm and layer_norm, plus their argument errors.
#include <gtest/gtest.h>

#include <cmath>

#include "hone/autograd/ops_norm.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::expect_gradients_match;
using testing::random_f64;

Tensor leaf(const Shape& s, uint64_t seed, double lo = -1, double hi = 1) {
  return random_f64(s, seed, lo, hi).set_requires_grad(true);
}

TEST(NormGrad, RmsNormInputAndWeight) {
  expect_gradients_match([](auto& in) { return rms_norm(in[0], in[1], 1e-6); }, {leaf({3, 8}, 1), leaf({8}, 2, 0.5, 1.5)});
  expect_gradients_match([](auto& in) { return rms_norm(in[0], in[1], 1e-2); },
                         {leaf({2, 3, 5}, 3), leaf({5}, 4, -1, 1)});
}

TEST(NormGrad, RmsNormFrozenWeightOrFrozenInput) {
  expect_gradients_match([](auto& in) { return rms_norm(in[0], in[1], 1e-5); }, {leaf({4, 6}, 5), random_f64({6}, 6)});
  expect_gradients_match([](auto& in) { return rms_norm(in[0], in[1], 1e-5); }, {random_f64({4, 6}, 7), leaf({6}, 8)});
}

TEST(NormGrad, RmsNormManyRowsUsesParallelPathConsistently) {
  // Large enough to split rows over threads: the weight gradient is a cross-thread reduction.
  expect_gradients_match([](auto& in) { return rms_norm(in[0], in[1], 1e-6); },
                         {random_f64({600, 32}, 9), leaf({32}, 10, 0.5, 1.5)});
}

TEST(NormGrad, LayerNormWithAndWithoutAffine) {
  expect_gradients_match([](auto& in) { return layer_norm(in[0], in[1], in[2], 1e-5); },
                         {leaf({3, 7}, 11), leaf({7}, 12), leaf({7}, 13)});
  expect_gradients_match([](auto& in) { return layer_norm(in[0], in[1], Tensor(), 1e-5); },
                         {leaf({2, 2, 6}, 14), leaf({6}, 15)});
  expect_gradients_match([](auto& in) { return layer_norm(in[0], Tensor(), Tensor(), 1e-5); }, {leaf({4, 5}, 16)});
  expect_gradients_match([](auto& in) { return layer_norm(in[0], in[1], in[2], 1e-5); },
                         {random_f64({700, 24}, 17), leaf({24}, 18), leaf({24}, 19)});
}

TEST(Norm, RmsNormMatchesDefinition) {
  Tensor x = random_f64({2, 4}, 20, -2, 2), w = random_f64({4}, 21);
  const auto y = rms_norm(x, w, 1e-6).to_doubles();
  const auto xs = x.to_doubles(), ws = w.to_doubles();
  for (int r = 0; r < 2; ++r) {
    double ms = 0;
    for (int j = 0; j < 4; ++j) ms += xs[size_t(r * 4 + j)] * xs[size_t(r * 4 + j)] / 4;
    for (int j = 0; j < 4; ++j)
      EXPECT_NEAR(y[size_t(r * 4 + j)], ws[size_t(j)] * xs[size_t(r * 4 + j)] / std::sqrt(ms + 1e-6), 1e-12);
  }
}

TEST(Norm, LayerNormOutputHasZeroMeanUnitVariance) {
  Tensor x = random_f64({3, 16}, 22, 5, 9);  // a large mean, to catch one-pass variance
  const auto y = layer_norm(x, Tensor(), Tensor(), 0.0).to_doubles();
  for (int r = 0; r < 3; ++r) {
    double mean = 0, var = 0;
    for (int j = 0; j < 16; ++j) mean += y[size_t(r * 16 + j)] / 16;
    for (int j = 0; j < 16; ++j) var += (y[size_t(r * 16 + j)] - mean) * (y[size_t(r * 16 + j)] - mean) / 16;
    EXPECT_NEAR(mean, 0.0, 1e-12);
    EXPECT_NEAR(var, 1.0, 1e-10);
  }
}

TEST(Norm, BadArgumentsAreClearErrors) {
  Tensor x = Tensor::zeros({2, 4});
  try {
    rms_norm(x, Tensor::zeros({3}), 1e-6);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("must be [4]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(rms_norm(x, Tensor(), 1e-6), Error);
  EXPECT_THROW(rms_norm(x, Tensor::zeros({4}, DType::F64), 1e-6), Error);
  EXPECT_THROW(rms_norm(x, Tensor::zeros({4}), -1.0), Error);
  EXPECT_THROW(layer_norm(x, Tensor::zeros({4}), Tensor::zeros({2}), 1e-5), Error);
}

}  // namespace
}  // namespace hone
