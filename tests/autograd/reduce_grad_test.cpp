// Finite-difference checks (f64) for sum, mean and max, and the behaviour the gradient checks
// cannot see: shapes, ties, thread-count independence.
#include <gtest/gtest.h>

#include "hone/autograd/backward.h"
#include "hone/autograd/ops_reduce.h"
#include "hone/util/threads.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::expect_gradients_match;
using testing::random_f64;

Tensor leaf(const Shape& s, uint64_t seed) { return random_f64(s, seed).set_requires_grad(true); }

TEST(ReduceGrad, SumAndMeanOfAllElements) {
  expect_gradients_match([](auto& in) { return sum(in[0]); }, {leaf({2, 3, 4}, 1)});
  expect_gradients_match([](auto& in) { return mean(in[0]); }, {leaf({5, 3}, 2)});
}

TEST(ReduceGrad, AlongLastDimension) {
  expect_gradients_match([](auto& in) { return sum_last_dim(in[0]); }, {leaf({2, 3, 4}, 3)});
  expect_gradients_match([](auto& in) { return mean_last_dim(in[0], true); }, {leaf({3, 5}, 4)});
  expect_gradients_match([](auto& in) { return max_last_dim(in[0]); }, {leaf({4, 6}, 5)});
  expect_gradients_match([](auto& in) { return max_last_dim(in[0], true); }, {leaf({2, 2, 7}, 6)});
}

TEST(Reduce, ShapesAndValues) {
  Tensor a = Tensor::from_floats({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 9});
  EXPECT_EQ(sum(a).shape(), Shape({1}));
  EXPECT_FLOAT_EQ(float(sum(a).item()), 24.f);
  EXPECT_FLOAT_EQ(float(mean(a).item()), 4.f);
  EXPECT_EQ(sum_last_dim(a).shape(), Shape({2}));
  EXPECT_EQ(sum_last_dim(a, true).shape(), Shape({2, 1}));
  EXPECT_EQ(sum_last_dim(a).to_doubles(), (std::vector<double>{6, 18}));
  EXPECT_EQ(mean_last_dim(a).to_doubles(), (std::vector<double>{2, 6}));
  EXPECT_EQ(max_last_dim(a).to_doubles(), (std::vector<double>{3, 9}));
  EXPECT_EQ(sum_last_dim(Tensor::from_floats({3}, std::vector<float>{1, 2, 3})).shape(), Shape({1}));
}

TEST(Reduce, MaxGradientGoesToTheFirstArgmax) {
  Tensor a = Tensor::from_doubles({2, 4}, std::vector<double>{1, 3, 3, 2, 7, 7, 7, 7}).set_requires_grad(true);
  backward(sum(max_last_dim(a)));
  EXPECT_EQ(a.grad().to_doubles(), (std::vector<double>{0, 1, 0, 0, 1, 0, 0, 0}));
}

TEST(Reduce, LargeSumIsAccurateAndIndependentOfThreads) {
  // 2^20 copies of 0.1f: a naive float accumulator drifts by far more than the tolerance.
  const int64_t n = 1 << 20;
  Tensor a = Tensor::full({n}, 0.1, DType::F32);
  const int before = threads();
  set_threads(1);
  const double one = sum(a).item();
  set_threads(4);
  const double four = sum(a).item();
  set_threads(before);
  EXPECT_EQ(one, four);
  EXPECT_NEAR(one, double(0.1f) * double(n), 1e-2);
}

TEST(Reduce, BadInputIsAClearError) {
  EXPECT_THROW(sum(Tensor::zeros({3}, DType::I32)), Error);
  EXPECT_THROW(max_last_dim(Tensor::zeros({2, 0})), Error);
  EXPECT_THROW(mean(Tensor::zeros({0})), Error);
}

}  // namespace
}  // namespace hone
