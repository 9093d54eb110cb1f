// The fused SwiGLU op: finite-difference gradients (f64), agreement with the unfused
// mul(silu(gate), up) in f32 (values and both gradients, across spans and the parallel path),
// the memory it saves for backward, and clear errors.
#include <gtest/gtest.h>

#include <string>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/autograd/ops_swiglu.h"
#include "hone/tensor/allocator.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::expect_gradients_match;
using testing::random_f32;
using testing::random_f64;

Tensor leaf(const Shape& s, uint64_t seed, double lo = -4, double hi = 4) {
  return random_f64(s, seed, lo, hi).set_requires_grad(true);
}

TEST(SwigluGrad, BothInputs) {
  expect_gradients_match([](auto& in) { return swiglu(in[0], in[1]); }, {leaf({4, 5}, 1), leaf({4, 5}, 2)});
  expect_gradients_match([](auto& in) { return swiglu(in[0], in[1]); }, {leaf({2, 3, 7}, 3, -9, 9), leaf({2, 3, 7}, 4)});
}

TEST(SwigluGrad, OnlyOneInputTrainable) {
  expect_gradients_match([](auto& in) { return swiglu(in[0], in[1]); }, {leaf({3, 6}, 5), random_f64({3, 6}, 6)});
  expect_gradients_match([](auto& in) { return swiglu(in[0], in[1]); }, {random_f64({3, 6}, 7), leaf({3, 6}, 8)});
}

void expect_close(const Tensor& got, const Tensor& want, double rtol, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const auto a = got.to_doubles(), b = want.to_doubles();
  for (size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], b[i], rtol * std::max(1.0, std::abs(b[i]))) << what << " element " << i;
}

// Sizes below one span, across several spans with a tail, and past the parallel threshold.
class SwigluF32 : public ::testing::TestWithParam<Shape> {};

TEST_P(SwigluF32, MatchesSiluTimesUpInValuesAndGradients) {
  const Shape shape = GetParam();
  const Tensor gate0 = random_f32(shape, 10, -12, 12), up0 = random_f32(shape, 11, -3, 3);
  const Tensor upstream = random_f32(shape, 12);
  Tensor gate = gate0.clone().set_requires_grad(true), up = up0.clone().set_requires_grad(true);
  Tensor gate_ref = gate0.clone().set_requires_grad(true), up_ref = up0.clone().set_requires_grad(true);
  const Tensor fused = swiglu(gate, up), unfused = mul(silu(gate_ref), up_ref);
  expect_close(fused, unfused, 1e-6, "value");
  backward(fused, upstream);
  backward(unfused, upstream);
  expect_close(gate.grad(), gate_ref.grad(), 1e-6, "d_gate");
  expect_close(up.grad(), up_ref.grad(), 1e-6, "d_up");
}

INSTANTIATE_TEST_SUITE_P(Sizes, SwigluF32,
                         ::testing::Values(Shape{3, 5}, Shape{7, 301}, Shape{4, 256, 40}));

TEST(Swiglu, SavesOneIntermediateTensorLessThanSiluAndMul) {
  const Shape shape{64, 200};
  const size_t bytes = size_t(shape.numel()) * sizeof(float);
  Tensor gate = random_f32(shape, 20).set_requires_grad(true), up = random_f32(shape, 21).set_requires_grad(true);
  size_t base = memory_stats().live_bytes;
  Tensor fused = swiglu(gate, up);
  const size_t fused_bytes = memory_stats().live_bytes - base;
  base = memory_stats().live_bytes;
  Tensor unfused = mul(silu(gate), up);  // silu's output stays alive for mul's backward
  const size_t unfused_bytes = memory_stats().live_bytes - base;
  EXPECT_GE(fused_bytes, bytes);  // its output
  EXPECT_GE(unfused_bytes - fused_bytes, bytes);
}

TEST(Swiglu, WithoutGradModeRecordsNothing) {
  Tensor gate = random_f32({4, 4}, 30).set_requires_grad(true), up = random_f32({4, 4}, 31);
  NoGradGuard no_grad;
  EXPECT_FALSE(swiglu(gate, up).requires_grad());
}

TEST(Swiglu, BadArgumentsAreClearErrors) {
  auto message = [](const Tensor& a, const Tensor& b) -> std::string {
    try {
      swiglu(a, b);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message(Tensor::zeros({2, 3}), Tensor::zeros({3, 2})).find("swiglu: shapes differ"), std::string::npos);
  EXPECT_NE(message(Tensor::zeros({2, 3}), Tensor::zeros({2, 3}, DType::F64)).find("swiglu"), std::string::npos);
  EXPECT_NE(message(Tensor::zeros({2}, DType::I32), Tensor::zeros({2}, DType::I32)).find("swiglu"), std::string::npos);
}

}  // namespace
}  // namespace hone
