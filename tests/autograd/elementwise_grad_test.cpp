// Finite-difference checks (f64) for the element-wise ops and broadcasting.
#include <gtest/gtest.h>

#include "hone/autograd/ops_elementwise.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::expect_gradients_match;
using testing::random_f64;

Tensor leaf(const Shape& s, uint64_t seed, double lo = -1, double hi = 1) {
  return random_f64(s, seed, lo, hi).set_requires_grad(true);
}

TEST(ElementwiseGrad, AddSameShapeAndBroadcast) {
  expect_gradients_match([](auto& in) { return add(in[0], in[1]); }, {leaf({3, 4}, 1), leaf({3, 4}, 2)});
  expect_gradients_match([](auto& in) { return add(in[0], in[1]); }, {leaf({2, 3, 4}, 1), leaf({4}, 2)});
  expect_gradients_match([](auto& in) { return add(in[0], in[1]); }, {leaf({2, 3, 4}, 1), leaf({3, 4}, 2)});
  expect_gradients_match([](auto& in) { return add(in[0], in[1]); }, {leaf({2, 3}, 1), leaf({1}, 2)});
}

TEST(ElementwiseGrad, SubMulScale) {
  expect_gradients_match([](auto& in) { return sub(in[0], in[1]); }, {leaf({3, 4}, 3), leaf({4}, 4)});
  expect_gradients_match([](auto& in) { return mul(in[0], in[1]); }, {leaf({3, 4}, 5), leaf({3, 4}, 6)});
  expect_gradients_match([](auto& in) { return mul(in[0], in[1]); }, {leaf({2, 3, 4}, 5), leaf({4}, 6)});
  expect_gradients_match([](auto& in) { return scale(in[0], -2.5); }, {leaf({5}, 7)});
}

TEST(ElementwiseGrad, Activations) {
  expect_gradients_match([](auto& in) { return silu(in[0]); }, {leaf({4, 5}, 8, -4, 4)});
  expect_gradients_match([](auto& in) { return gelu_tanh(in[0]); }, {leaf({4, 5}, 9, -4, 4)});
  expect_gradients_match([](auto& in) { return exp(in[0]); }, {leaf({4, 5}, 10, -2, 2)});
}

TEST(ElementwiseGrad, ReshapeIsDifferentiable) {
  expect_gradients_match([](auto& in) { return mul(reshape(in[0], Shape{6, 2}), in[1]); },
                         {leaf({3, 4}, 11), leaf({2}, 12)});
}

TEST(Elementwise, BroadcastMismatchIsAClearError) {
  Tensor a = Tensor::zeros({2, 3});
  Tensor b = Tensor::zeros({2});
  try {
    add(a, b);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot broadcast"), std::string::npos) << e.what();
  }
  EXPECT_THROW(add(Tensor::zeros({2}), Tensor::zeros({2}, DType::F64)), Error);
}

}  // namespace
}  // namespace hone
