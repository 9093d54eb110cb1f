// The fused linear + LoRA op: f64 finite differences for every input (with and without bias,
// frozen and trainable W, the adapter input being x itself, a dropout of x, or an unrelated
// tensor), f32 agreement with the composition of separate ops it replaces (output and every
// gradient), a frozen bf16 W read like `linear` reads it, and what it keeps for backward.
#include <gtest/gtest.h>

#include <memory>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/autograd/ops_dropout.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/autograd/ops_linalg.h"
#include "hone/autograd/ops_lora_linear.h"
#include "support/golden.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::expect_gradients_match;
using testing::random_f32;
using testing::random_f64;

constexpr int64_t kIn = 6, kOut = 5, kRank = 3;
constexpr double kScaling = 1.75;

Tensor leaf(const Shape& s, uint64_t seed) { return random_f64(s, seed).set_requires_grad(true); }

TEST(LoraLinearGrad, SharedInputWithBiasAndTrainableWeight) {
  expect_gradients_match(
      [](auto& in) { return lora_linear(in[0], in[1], in[2], in[0], in[3], in[4], kScaling); },
      {leaf({2, 3, kIn}, 1), leaf({kOut, kIn}, 2), leaf({kOut}, 3), leaf({kRank, kIn}, 4), leaf({kOut, kRank}, 5)});
}

TEST(LoraLinearGrad, SharedInputWithoutBiasFrozenWeight) {
  Tensor w = random_f64({kOut, kIn}, 6);
  expect_gradients_match(
      [w](auto& in) { return lora_linear(in[0], w, Tensor(), in[0], in[1], in[2], kScaling); },
      {leaf({4, kIn}, 7), leaf({kRank, kIn}, 8), leaf({kOut, kRank}, 9)});
  EXPECT_FALSE(w.grad().defined());
}

TEST(LoraLinearGrad, DroppedOutAdapterInputFlowsBackThroughDropout) {
  // x reaches the output twice: directly through W and, masked, through A; both terms must
  // arrive in x's gradient.
  Tensor w = random_f64({kOut, kIn}, 10);
  expect_gradients_match(
      [w](auto& in) {
        const Tensor dropped = dropout(in[0], 0.3, Rng(5, 5), 7);
        return lora_linear(in[0], w, in[1], dropped, in[2], in[3], kScaling);
      },
      {leaf({2, 4, kIn}, 11), leaf({kOut}, 12), leaf({kRank, kIn}, 13), leaf({kOut, kRank}, 14)});
  expect_gradients_match(
      [](auto& in) {
        const Tensor dropped = dropout(in[0], 0.3, Rng(5, 5), 7);
        return lora_linear(in[0], in[1], Tensor(), dropped, in[2], in[3], kScaling);
      },
      {leaf({4, kIn}, 15), leaf({kOut, kIn}, 16), leaf({kRank, kIn}, 17), leaf({kOut, kRank}, 18)});
}

TEST(LoraLinearGrad, SeparateAdapterInputGetsItsOwnGradient) {
  expect_gradients_match(
      [](auto& in) { return lora_linear(in[0], in[1], in[2], in[3], in[4], in[5], -0.5); },
      {leaf({3, kIn}, 19), leaf({kOut, kIn}, 20), leaf({kOut}, 21), leaf({3, kIn}, 22), leaf({kRank, kIn}, 23),
       leaf({kOut, kRank}, 24)});
  // Only the adapter input asks for a gradient: no dy·W product is needed, the rule must cope.
  Tensor x = random_f64({3, kIn}, 25), w = random_f64({kOut, kIn}, 26);
  Tensor a = random_f64({kRank, kIn}, 27), b = random_f64({kOut, kRank}, 28);
  expect_gradients_match([&](auto& in) { return lora_linear(x, w, Tensor(), in[0], a, b, kScaling); },
                         {leaf({3, kIn}, 29)});
}

// The path the fused op replaces: y = linear(x, W, bias) + s * linear(linear(x_l, A), B).
Tensor composed(const Tensor& x, const Tensor& w, const Tensor& bias, const Tensor& x_lora, const Tensor& a,
                const Tensor& b, double s) {
  return add(linear(x, w, bias), scale(linear(linear(x_lora, a), b), s));
}

struct F32Case {
  bool bias, trainable_w, dropout;
};

class LoraLinearMatchesComposition : public ::testing::TestWithParam<F32Case> {};

TEST_P(LoraLinearMatchesComposition, OutputAndGradients) {
  const F32Case c = GetParam();
  // Sizes above OpenBLAS's small-matrix paths, so the real kernels run.
  const int64_t in = 48, out = 40, rank = 8;
  const Shape x_shape{2, 33, in};
  auto run = [&](bool fused) {
    Tensor x = random_f32(x_shape, 31).set_requires_grad(true);
    Tensor w = random_f32({out, in}, 32, -0.2, 0.2).set_requires_grad(c.trainable_w);
    Tensor bias = c.bias ? random_f32({out}, 33).set_requires_grad(true) : Tensor();
    Tensor a = random_f32({rank, in}, 34, -0.2, 0.2).set_requires_grad(true);
    Tensor b = random_f32({out, rank}, 35, -0.2, 0.2).set_requires_grad(true);
    const Tensor x_lora = c.dropout ? dropout(x, 0.25, Rng(3, 4), 1 << 20) : x;
    const Tensor y = fused ? lora_linear(x, w, bias, x_lora, a, b, kScaling)
                           : composed(x, w, bias, x_lora, a, b, kScaling);
    backward(y, random_f32(y.shape(), 36));
    std::vector<Tensor> results{y.detach(), x.grad(), a.grad(), b.grad()};
    if (c.trainable_w) results.push_back(w.grad());
    else EXPECT_FALSE(w.grad().defined());
    if (c.bias) results.push_back(bias.grad());
    return results;
  };
  const auto fused = run(true), reference = run(false);
  const char* names[] = {"output", "dx", "dA", "dB", "dW or dbias", "dbias"};
  ASSERT_EQ(fused.size(), reference.size());
  for (size_t i = 0; i < fused.size(); ++i) {
    ASSERT_TRUE(fused[i].defined()) << names[i];
    testing::expect_close(fused[i], reference[i], 1e-5, 1e-5, names[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, LoraLinearMatchesComposition,
                         ::testing::Values(F32Case{true, false, false}, F32Case{false, false, false},
                                           F32Case{true, true, false}, F32Case{false, false, true},
                                           F32Case{true, true, true}),
                         [](const auto& info) {
                           const F32Case c = info.param;
                           return std::string(c.bias ? "Bias" : "NoBias") + (c.trainable_w ? "TrainableW" : "FrozenW") +
                                  (c.dropout ? "Dropout" : "");
                         });

TEST(LoraLinear, FrozenBf16WeightReadsLikeItsF32Widening) {
  Tensor x = random_f32({7, 16}, 40).set_requires_grad(true);
  const Tensor w16 = random_f32({12, 16}, 41).to(DType::BF16);
  Tensor a = random_f32({4, 16}, 42).set_requires_grad(true);
  const Tensor b = random_f32({12, 4}, 43).set_requires_grad(true);
  const Tensor y16 = lora_linear(x, w16, Tensor(), x, a, b, 2.0);
  const Tensor dy = random_f32(y16.shape(), 44);
  backward(y16, dy);
  const Tensor dx16 = x.grad(), da16 = a.grad();
  x.zero_grad();
  a.zero_grad();
  const Tensor y32 = lora_linear(x, w16.to(DType::F32), Tensor(), x, a, b, 2.0);
  backward(y32, dy);
  testing::expect_close(y16, y32, 0, 0, "output");
  testing::expect_close(dx16, x.grad(), 0, 0, "dx");
  testing::expect_close(da16, a.grad(), 0, 0, "dA");
}

TEST(LoraLinear, FrozenWeightDoesNotKeepTheBaseInput) {
  // With dropout and a frozen W, backward needs the dropped-out input, never x itself: the op
  // must not hold x (one [tokens, in] activation per adapted layer).
  Tensor source = random_f32({4, kIn}, 50).set_requires_grad(true);
  Tensor x = scale(source, 2.0);  // a non-leaf, so the graph's edges hold its node, not its data
  const std::weak_ptr<TensorImpl> x_impl = x.impl_ptr();
  const Tensor w = random_f32({kOut, kIn}, 51);
  const Tensor a = random_f32({kRank, kIn}, 52).set_requires_grad(true);
  const Tensor b = random_f32({kOut, kRank}, 53).set_requires_grad(true);
  const Tensor y = lora_linear(x, w, Tensor(), dropout(x, 0.5, Rng(1, 1), 0), a, b, kScaling);
  x = Tensor();
  EXPECT_TRUE(x_impl.expired());
  backward(y, Tensor::full(y.shape(), 1.0));
  EXPECT_TRUE(source.grad().defined());
  EXPECT_TRUE(a.grad().defined() && b.grad().defined());
}

TEST(LoraLinear, NoGraphWithoutGradMode) {
  const Tensor x = random_f32({3, kIn}, 60);
  const Tensor a = random_f32({kRank, kIn}, 61).set_requires_grad(true);
  const Tensor b = random_f32({kOut, kRank}, 62).set_requires_grad(true);
  NoGradGuard no_grad;
  const Tensor y = lora_linear(x, random_f32({kOut, kIn}, 63), Tensor(), x, a, b, kScaling);
  EXPECT_TRUE(y.is_leaf());
  EXPECT_FALSE(y.requires_grad());
}

TEST(LoraLinear, ShapeMismatchesAreClearErrors) {
  const Tensor x = Tensor::zeros({3, kIn}), w = Tensor::zeros({kOut, kIn});
  const Tensor a = Tensor::zeros({kRank, kIn}), b = Tensor::zeros({kOut, kRank});
  EXPECT_THROW(lora_linear(x, w, Tensor(), x, Tensor::zeros({kRank, kIn + 1}), b, 1.0), Error);
  EXPECT_THROW(lora_linear(x, w, Tensor(), x, a, Tensor::zeros({kOut, kRank + 1}), 1.0), Error);
  EXPECT_THROW(lora_linear(x, w, Tensor::zeros({kOut + 1}), x, a, b, 1.0), Error);
  EXPECT_THROW(lora_linear(x, w, Tensor(), Tensor::zeros({2, kIn}), a, b, 1.0), Error);
  EXPECT_THROW(lora_linear(Tensor::zeros({3, kIn + 1}), w, Tensor(), x, a, b, 1.0), Error);
}

}  // namespace
}  // namespace hone
