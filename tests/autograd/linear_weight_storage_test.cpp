// linear() with weights kept in bf16/f16/q8_0 (gemv for a few rows, tile-widened GEMM for many)
// and with f32 weights outside a graph (gemv): the same products as an f32 GEMM over the widened
// weight; the input gradient through a frozen narrow weight; what backward keeps alive.
#include <gtest/gtest.h>

#include <string>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/autograd/ops_linalg.h"
#include "hone/autograd/ops_reduce.h"
#include "support/golden.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::random_f32;

// f32 products in a different summation order than the reference: tolerances scale with the
// inner dimension (values in [-1, 1]).
constexpr double kAtol = 2e-5, kRtol = 1e-5;

TEST(LinearWeightStorage, NarrowWeightsMatchTheirF32Widening) {
  const int64_t in = 96, out = 37;
  for (DType dtype : {DType::BF16, DType::F16, DType::Q8_0, DType::Q4_0}) {
    const Tensor w = random_f32({out, in}, 1).to(dtype);
    const Tensor w32 = w.to(DType::F32);
    const Tensor bias = random_f32({out}, 2);
    for (int64_t rows : {1, 3, 8, 9, 40}) {  // gemv up to 8 rows, the widening GEMM above
      const Tensor x = random_f32({rows, in}, 3 + uint64_t(rows));
      const std::string what = std::string(dtype_name(dtype)) + " rows " + std::to_string(rows);
      testing::expect_close(linear(x, w), linear(x, w32), kAtol, kRtol, what);
      testing::expect_close(linear(x, w, bias), linear(x, w32, bias), kAtol, kRtol, what + " with bias");
    }
  }
}

TEST(LinearWeightStorage, F32FewRowsWithoutGradMatchTheGemm) {
  const Tensor w = random_f32({50, 70}, 4);
  const Tensor bias = random_f32({50}, 5);
  const Tensor x = random_f32({2, 3, 70}, 6);  // 6 rows: gemv in no_grad
  const Tensor reference = linear(x, w, bias);  // grad mode is on, nothing requires grad: gemv too
  Tensor via_gemm;
  {
    Tensor trainable = w.clone().set_requires_grad(true);
    via_gemm = linear(x, trainable, bias).detach();  // recorded: the BLAS product
  }
  testing::expect_close(reference, via_gemm, kAtol, kRtol, "gemv vs gemm");
  EXPECT_EQ(reference.shape(), (Shape{2, 3, 50}));
}

TEST(LinearWeightStorage, InputGradientThroughAFrozenNarrowWeight) {
  for (DType dtype : {DType::BF16, DType::Q8_0}) {
    for (int64_t rows : {2, 33}) {
      const Tensor w = random_f32({300, 64}, 7).to(dtype);  // several widening tiles
      const Tensor x_values = random_f32({rows, 64}, 8);
      const Tensor weights = random_f32({rows, 300}, 9);
      auto input_gradient = [&](const Tensor& weight) {
        Tensor x = x_values.clone().set_requires_grad(true);
        backward(sum(mul(linear(x, weight), weights)));
        return x.grad();
      };
      testing::expect_close(input_gradient(w), input_gradient(w.to(DType::F32)), kAtol, kRtol,
                            std::string(dtype_name(dtype)) + " dx, rows " + std::to_string(rows));
    }
  }
}

TEST(LinearWeightStorage, BackwardKeepsTheInputOnlyForATrainableWeight) {
  Tensor a = random_f32({4, 8}, 10).set_requires_grad(true);
  const Tensor frozen = random_f32({5, 8}, 11);
  Tensor trainable = random_f32({5, 8}, 12).set_requires_grad(true);
  {
    Tensor x = scale(a, 2.0);  // a non-leaf input: only a closure could hold on to it
    const Tensor y = linear(x, frozen);
    EXPECT_EQ(x.impl_ptr().use_count(), 1) << "a frozen weight's backward must not capture x";
  }
  {
    Tensor x = scale(a, 2.0);
    const Tensor y = linear(x, trainable);
    EXPECT_EQ(x.impl_ptr().use_count(), 2) << "the weight gradient needs x";
    backward(sum(y));
    EXPECT_TRUE(trainable.grad().defined());
    EXPECT_TRUE(a.grad().defined());
  }
}

TEST(LinearWeightStorage, RefusesATrainableWeightOfAnotherDtype) {
  Tensor w = testing::random_f64({3, 32}, 13).set_requires_grad(true);
  EXPECT_THROW(linear(random_f32({2, 32}, 14), w), Error);
}

}  // namespace
}  // namespace hone
