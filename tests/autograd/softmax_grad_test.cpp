// Finite-difference checks (f64) for softmax and log-softmax, and their numerical stability.
#include <gtest/gtest.h>

#include <cmath>

#include "hone/autograd/ops_softmax.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::expect_gradients_match;
using testing::random_f64;

Tensor leaf(const Shape& s, uint64_t seed, double lo = -3, double hi = 3) {
  return random_f64(s, seed, lo, hi).set_requires_grad(true);
}

TEST(SoftmaxGrad, Softmax) {
  expect_gradients_match([](auto& in) { return softmax(in[0]); }, {leaf({3, 5}, 1)});
  expect_gradients_match([](auto& in) { return softmax(in[0]); }, {leaf({2, 2, 4}, 2)});
}

TEST(SoftmaxGrad, LogSoftmax) {
  expect_gradients_match([](auto& in) { return log_softmax(in[0]); }, {leaf({3, 5}, 3)});
  expect_gradients_match([](auto& in) { return log_softmax(in[0]); }, {leaf({2, 2, 4}, 4)});
}

TEST(Softmax, LargeLogitsDoNotOverflow) {
  Tensor x = Tensor::from_floats({1, 3}, std::vector<float>{1000.f, 1001.f, 999.f});
  const auto p = softmax(x).to_doubles();
  const auto lp = log_softmax(x).to_doubles();
  const double z = std::exp(-1.0) + 1.0 + std::exp(-2.0);
  EXPECT_NEAR(p[1], 1.0 / z, 1e-6);
  EXPECT_NEAR(lp[0], -1.0 - std::log(z), 1e-4);
  double total = 0;
  for (double v : p) total += v;
  EXPECT_NEAR(total, 1.0, 1e-6);
}

TEST(Softmax, MaskedEntriesGetZeroProbability) {
  const float inf = INFINITY;
  Tensor x = Tensor::from_floats({1, 3}, std::vector<float>{0.f, -inf, 0.f});
  EXPECT_EQ(softmax(x).to_doubles(), (std::vector<double>{0.5, 0, 0.5}));
  EXPECT_TRUE(std::isinf(log_softmax(x).to_doubles()[1]));
}

}  // namespace
}  // namespace hone
