// hone's bf16 products (precision: bf16) against PyTorch CPU autocast: linear, LoRA linear and
// attention, forward and backward, from tests/reference/golden_ops_bf16.py. Autocast rounds each
// product's output to bf16 and hone keeps the f32 sum, so they agree to about one bf16 rounding
// (2^-8 relative) of each output, plus the rounding autocast applies to the intermediate
// results it feeds onwards (LoRA's x A^T, attention's scores and probabilities). The linear cases
// also check hone against the exact product of the bf16-rounded operands, to f32 accumulation
// error: that is what proves the inputs are rounded to bf16 and summed in f32.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "hone/autograd/backward.h"
#include "hone/autograd/ops_attention.h"
#include "hone/autograd/ops_linalg.h"
#include "hone/autograd/ops_lora_linear.h"
#include "hone/tensor/product_precision.h"
#include "support/golden.h"
#include "support/golden_op_case.h"

namespace hone {
namespace {

using Inputs = testing::GoldenInputs;
using testing::Tolerance;

// One bf16 rounding of an output is 2^-9 relative; the absolute term covers sums that cancel to
// near zero (|out| ~ 1-8 here, so one ulp of the largest terms is ~2^-9 * 8).
constexpr Tolerance kAutocast{2e-2, 8e-3};
// Against the exact product of the rounded operands: f32 sums of <= 64 terms of size ~1.
constexpr Tolerance kExact{2e-5, 2e-5};

TEST(Bf16Products, LinearMatchesAutocast) {
  ProductPrecisionGuard bf16(Precision::BF16);
  testing::check_golden_case("bf16_linear", "nobias", {"input", "weight"},
                             [](const Inputs& in) { return linear(in.at("input"), in.at("weight")); }, kAutocast,
                             kAutocast);
  testing::check_golden_case(
      "bf16_linear", "bias_batched", {"input", "weight", "bias"},
      [](const Inputs& in) { return linear(in.at("input"), in.at("weight"), in.at("bias")); }, kAutocast, kAutocast);
}

TEST(Bf16Products, LinearIsTheExactProductOfRoundedOperands) {
  const testing::Golden golden("bf16_linear");
  for (const std::string c : {"nobias", "bias_batched"}) {
    SCOPED_TRACE(c);
    Tensor x = golden.get(c + ".input").clone().set_requires_grad(true);
    Tensor w = golden.get(c + ".weight").clone().set_requires_grad(true);
    const Tensor b = golden.has(c + ".bias") ? golden.get(c + ".bias") : Tensor();
    Tensor y;
    {
      ProductPrecisionGuard bf16(Precision::BF16);
      y = linear(x, w, b);
      backward(y, golden.get(c + ".R"));
    }
    testing::expect_close(y, golden.get(c + ".exact_out"), kExact.atol, kExact.rtol, c + ".exact_out");
    testing::expect_close(x.grad(), golden.get(c + ".exact_grad_input"), kExact.atol, kExact.rtol, "dx");
    testing::expect_close(w.grad(), golden.get(c + ".exact_grad_weight"), kExact.atol, kExact.rtol, "dw");
    // And the f32 path is not that: it differs from the rounded product by far more than kExact.
    const Tensor y32 = linear(x.detach(), w.detach(), b);
    const float diff = std::abs(y32.data<float>()[0] - golden.get(c + ".exact_out").data<float>()[0]) +
                       std::abs(y32.data<float>()[1] - golden.get(c + ".exact_out").data<float>()[1]);
    EXPECT_GT(diff, 1e-4) << "f32 and bf16 products agree: the bf16 path did not round its inputs";
  }
}

Tensor lora_op(const Inputs& in, const Tensor& weight) {
  return lora_linear(in.at("input"), weight, Tensor(), in.at("input"), in.at("lora_A"), in.at("lora_B"), 2.0);
}

// The LoRA branch's x A^T is rounded to bf16 by autocast before lora_B reads it, as in hone.
TEST(Bf16Products, LoraLinearMatchesAutocast) {
  ProductPrecisionGuard bf16(Precision::BF16);
  testing::check_golden_case("bf16_lora_linear", "rank8", {"input", "weight", "lora_A", "lora_B"},
                             [](const Inputs& in) { return lora_op(in, in.at("weight")); }, kAutocast, kAutocast);
}

// The frozen base stored in bf16 (as a bf16 LoRA run keeps it) gives the same results.
TEST(Bf16Products, LoraLinearWithBf16FrozenBase) {
  ProductPrecisionGuard bf16(Precision::BF16);
  const testing::Golden golden("bf16_lora_linear");
  Inputs in;
  for (const char* name : {"input", "lora_A", "lora_B"})
    in[name] = golden.get(std::string("rank8.") + name).clone().set_requires_grad(true);
  const Tensor w = golden.get("rank8.weight").to(DType::BF16);
  const Tensor y = lora_op(in, w);
  testing::expect_close(y, golden.get("rank8.out"), kAutocast.atol, kAutocast.rtol, "out");
  backward(y, golden.get("rank8.R"));
  for (const char* name : {"input", "lora_A", "lora_B"})
    testing::expect_close(in[name].grad(), golden.get(std::string("rank8.grad_") + name), kAutocast.atol,
                          kAutocast.rtol, name);
}

// Scores and probabilities pass through bf16 in autocast (softmax itself in f32); the
// probabilities are < 1, so their gradients take the absolute term.
TEST(Bf16Products, AttentionMatchesAutocast) {
  ProductPrecisionGuard bf16(Precision::BF16);
  testing::check_golden_case("bf16_attention", "gqa_causal", {"q", "k", "v"},
                             [](const Inputs& in) { return attention(in.at("q"), in.at("k"), in.at("v")); },
                             Tolerance{3e-2, 2e-2}, Tolerance{3e-2, 2e-2});
  // Both products of the fused kernel (run per head on worker threads) took the bf16 path.
  const testing::Golden golden("bf16_attention");
  const Tensor q = golden.get("gqa_causal.q"), k = golden.get("gqa_causal.k"), v = golden.get("gqa_causal.v");
  const Tensor in_bf16 = attention(q, k, v);
  Tensor in_f32;
  {
    ProductPrecisionGuard f32(Precision::F32);
    in_f32 = attention(q, k, v);
  }
  double worst = 0;
  for (int64_t i = 0; i < in_f32.numel(); ++i)
    worst = std::max(worst, double(std::abs(in_bf16.data<float>()[i] - in_f32.data<float>()[i])));
  EXPECT_GT(worst, 1e-3);
}

}  // namespace
}  // namespace hone
