// Finite-difference checks (f64) for cross_entropy and the fused linear_cross_entropy, plus
// what they promise beyond gradients: ignore_index, sum reduction and token counts, no NaN
// for all-ignored batches, chunking that changes nothing, and bounded memory.
#include <gtest/gtest.h>

#include <cmath>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/autograd/ops_linalg.h"
#include "hone/autograd/ops_loss.h"
#include "hone/tensor/allocator.h"
#include "support/golden.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::expect_gradients_match;
using testing::random_f64;

Tensor leaf(const Shape& s, uint64_t seed, double lo = -2, double hi = 2) {
  return random_f64(s, seed, lo, hi).set_requires_grad(true);
}

Tensor labels_of(const Shape& s, std::vector<int32_t> values) { return Tensor::from_ints(s, values); }

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(CrossEntropyGrad, MeanAndSumWithIgnoredTokens) {
  Tensor labels = labels_of({2, 3}, {4, -100, 0, 2, 2, -100});
  expect_gradients_match([labels](auto& in) { return cross_entropy(in[0], labels); }, {leaf({2, 3, 5}, 1)});
  CrossEntropyOptions sum_opts;
  sum_opts.reduction = LossReduction::Sum;
  expect_gradients_match([labels, sum_opts](auto& in) { return cross_entropy(in[0], labels, sum_opts); },
                         {leaf({2, 3, 5}, 2)});
  CrossEntropyOptions custom;
  custom.ignore_index = 3;
  Tensor labels2 = labels_of({4}, {3, 1, 0, 3});
  expect_gradients_match([labels2, custom](auto& in) { return cross_entropy(in[0], labels2, custom); },
                         {leaf({4, 4}, 3)});
}

TEST(CrossEntropy, MatchesTheDefinition) {
  Tensor logits = Tensor::from_doubles({2, 3}, std::vector<double>{1, 2, 3, 0, 0, 5});
  Tensor labels = labels_of({2}, {0, 2});
  const double l0 = std::log(std::exp(1.) + std::exp(2.) + std::exp(3.)) - 1;
  const double l1 = std::log(2 + std::exp(5.)) - 5;
  EXPECT_NEAR(cross_entropy(logits, labels).item(), (l0 + l1) / 2, 1e-12);
  CrossEntropyOptions sum_opts;
  sum_opts.reduction = LossReduction::Sum;
  EXPECT_NEAR(cross_entropy(logits, labels, sum_opts).item(), l0 + l1, 1e-12);
  EXPECT_EQ(count_scored_tokens(labels_of({5}, {1, -100, 2, -100, 0})), 3);
  EXPECT_EQ(count_scored_tokens(labels_of({2}, {7, 1}), 7), 1);
}

TEST(CrossEntropy, AllIgnoredGivesZeroNotNaN) {
  Tensor logits = leaf({3, 4}, 4);
  Tensor labels = labels_of({3}, {-100, -100, -100});
  Tensor loss = cross_entropy(logits, labels);
  EXPECT_EQ(loss.item(), 0.0);
  EXPECT_EQ(count_scored_tokens(labels), 0);
  backward(loss);
  for (double g : logits.grad().to_doubles()) EXPECT_EQ(g, 0.0);

  Tensor h = leaf({3, 4}, 5), w = leaf({6, 4}, 6);
  Tensor fused = linear_cross_entropy(h, w, labels);
  EXPECT_EQ(fused.item(), 0.0);
  backward(fused);
  for (double g : h.grad().to_doubles()) EXPECT_EQ(g, 0.0);
  for (double g : w.grad().to_doubles()) EXPECT_EQ(g, 0.0);
}

TEST(CrossEntropy, BadLabelsAreClearErrors) {
  Tensor logits = Tensor::zeros({3, 5});
  const std::string msg = error_of([&] { cross_entropy(logits, labels_of({3}, {0, 5, 1})); });
  EXPECT_NE(msg.find("label 5"), std::string::npos) << msg;
  EXPECT_NE(msg.find("position 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("5 classes"), std::string::npos) << msg;
  EXPECT_NE(error_of([&] { cross_entropy(logits, labels_of({3}, {0, -1, 1})); }).find("label -1"), std::string::npos);
  EXPECT_THROW(cross_entropy(logits, labels_of({2}, {0, 1})), Error);       // shape mismatch
  EXPECT_THROW(cross_entropy(logits, Tensor::zeros({3})), Error);           // f32 labels
  EXPECT_THROW(linear_cross_entropy(Tensor::zeros({3, 4}), Tensor::zeros({6, 5}), labels_of({3}, {0, 1, 2})), Error);
  EXPECT_NE(error_of([&] { linear_cross_entropy(Tensor::zeros({2, 4}), Tensor::zeros({6, 4}), labels_of({2}, {0, 6})); })
                .find("label 6"),
            std::string::npos);
}

TEST(LinearCrossEntropyGrad, HiddenAndWeightAcrossChunkSizes) {
  Tensor labels = labels_of({2, 4}, {5, -100, 0, 3, 3, 1, -100, 6});
  for (int64_t chunk : {0, 1, 2, 5}) {
    CrossEntropyOptions opts;
    opts.chunk_tokens = chunk;
    expect_gradients_match([labels, opts](auto& in) { return linear_cross_entropy(in[0], in[1], labels, opts); },
                           {leaf({2, 4, 3}, 7), leaf({7, 3}, 8)});
  }
  CrossEntropyOptions sum_opts;
  sum_opts.reduction = LossReduction::Sum;
  sum_opts.chunk_tokens = 3;
  expect_gradients_match([labels, sum_opts](auto& in) { return linear_cross_entropy(in[0], in[1], labels, sum_opts); },
                         {leaf({2, 4, 3}, 9), leaf({7, 3}, 10)});
}

// The forward takes the gradients for an upstream gradient of 1; these check the backward's
// rescaling, and that an input that wants no gradient neither gets nor costs one.
TEST(LinearCrossEntropyGrad, OnlyOneInputTrainable) {
  Tensor labels = labels_of({5}, {2, -100, 0, 6, 6});
  CrossEntropyOptions opts;
  opts.chunk_tokens = 2;
  auto op = [labels, opts](auto& in) { return linear_cross_entropy(in[0], in[1], labels, opts); };
  expect_gradients_match(op, {leaf({5, 3}, 21), random_f64({7, 3}, 22, -2, 2)});
  expect_gradients_match(op, {random_f64({5, 3}, 23, -2, 2), leaf({7, 3}, 24)});
}

TEST(LinearCrossEntropy, UpstreamGradientScalesTheStashedGradients) {
  Tensor labels = labels_of({4}, {1, 3, -100, 0});
  Tensor h1 = leaf({4, 3}, 25), w1 = leaf({5, 3}, 26);
  Tensor h2 = h1.detach().clone().set_requires_grad(true), w2 = w1.detach().clone().set_requires_grad(true);
  backward(scale(linear_cross_entropy(h1, w1, labels), 2.5));
  backward(linear_cross_entropy(h2, w2, labels));
  const auto gh1 = h1.grad().to_doubles(), gh2 = h2.grad().to_doubles();
  const auto gw1 = w1.grad().to_doubles(), gw2 = w2.grad().to_doubles();
  double largest = 0;
  for (size_t i = 0; i < gh1.size(); ++i) {
    EXPECT_NEAR(gh1[i], 2.5 * gh2[i], 1e-12);
    largest = std::max(largest, std::abs(gh2[i]));
  }
  for (size_t i = 0; i < gw1.size(); ++i) EXPECT_NEAR(gw1[i], 2.5 * gw2[i], 1e-12);
  EXPECT_GT(largest, 1e-3);  // the comparison above is not between zeros
}

TEST(LinearCrossEntropy, WithoutGradModeHoldsNoGradients) {
  const int64_t N = 64, D = 32, V = 512;
  std::vector<int32_t> lv(N);
  for (int64_t i = 0; i < N; ++i) lv[size_t(i)] = int32_t((i * 13) % V);
  Tensor labels = Tensor::from_ints({N}, lv);
  Tensor h = testing::random_f32({N, D}, 27).set_requires_grad(true);
  Tensor w = testing::random_f32({V, D}, 28).set_requires_grad(true);
  Tensor trained = linear_cross_entropy(h, w, labels);
  NoGradGuard no_grad;
  CrossEntropyOptions opts;
  opts.chunk_tokens = 8;
  reset_peak_memory();
  const size_t base = memory_stats().live_bytes;
  Tensor evaluated = linear_cross_entropy(h, w, labels, opts);
  // One [8, V] logits chunk and per-token arrays, far below the [N, D] + [V, D] gradients.
  EXPECT_LT(memory_stats().peak_bytes - base, size_t(N * D + V * D) * sizeof(float) / 2);
  EXPECT_FALSE(evaluated.requires_grad());
  EXPECT_NEAR(evaluated.item(), trained.item(), 1e-5);
}

TEST(LinearCrossEntropy, EqualsCrossEntropyOfLinear) {
  Tensor labels = labels_of({6}, {1, 4, -100, 0, 9, 9});
  Tensor h1 = leaf({6, 5}, 11), w1 = leaf({10, 5}, 12);
  Tensor h2 = h1.detach().clone().set_requires_grad(true), w2 = w1.detach().clone().set_requires_grad(true);
  CrossEntropyOptions opts;
  opts.chunk_tokens = 4;
  Tensor fused = linear_cross_entropy(h1, w1, labels, opts);
  Tensor plain = cross_entropy(linear(h2, w2), labels);
  EXPECT_NEAR(fused.item(), plain.item(), 1e-12);
  backward(fused);
  backward(plain);
  const auto gh1 = h1.grad().to_doubles(), gh2 = h2.grad().to_doubles();
  const auto gw1 = w1.grad().to_doubles(), gw2 = w2.grad().to_doubles();
  for (size_t i = 0; i < gh1.size(); ++i) EXPECT_NEAR(gh1[i], gh2[i], 1e-12);
  for (size_t i = 0; i < gw1.size(); ++i) EXPECT_NEAR(gw1[i], gw2[i], 1e-12);
}

TEST(LinearCrossEntropy, FrozenBf16WeightGetsOnlyHiddenGradient) {
  Tensor labels = labels_of({4}, {0, 2, -100, 5});
  Tensor h = testing::random_f32({4, 8}, 13).set_requires_grad(true);
  Tensor w16 = testing::random_f32({6, 8}, 14).to(DType::BF16);
  Tensor loss = linear_cross_entropy(h, w16, labels);
  Tensor h2 = h.detach().clone().set_requires_grad(true);
  Tensor ref = cross_entropy(linear(h2, w16.to(DType::F32)), labels);
  EXPECT_NEAR(loss.item(), ref.item(), 1e-5);
  backward(loss);
  backward(ref);
  testing::expect_close(h.grad(), h2.grad(), 1e-6, 1e-5, "hidden gradient");
}

TEST(LinearCrossEntropy, NeverHoldsTheFullLogits) {
  const int64_t N = 256, D = 16, V = 4096;
  const size_t full_logits = size_t(N * V) * sizeof(float);  // 4 MiB
  std::vector<int32_t> lv(N);
  for (int64_t i = 0; i < N; ++i) lv[size_t(i)] = i % 5 == 0 ? -100 : int32_t((i * 37) % V);
  Tensor labels = Tensor::from_ints({N}, lv);
  Tensor h = testing::random_f32({N, D}, 15).set_requires_grad(true);
  Tensor w = testing::random_f32({V, D}, 16).set_requires_grad(true);
  CrossEntropyOptions opts;
  opts.chunk_tokens = 16;
  reset_peak_memory();
  const size_t base = memory_stats().live_bytes;
  Tensor loss = linear_cross_entropy(h, w, labels, opts);
  backward(loss);
  const size_t extra = memory_stats().peak_bytes - base;
  // What it may hold: the gradients (N*D and V*D, taken during the forward and held until
  // backward), one chunk of logits and small per-token arrays — well under a quarter of the full
  // logits.
  EXPECT_LT(extra, full_logits / 4) << "peak extra bytes " << extra;
  EXPECT_GE(extra, size_t(N * D + V * D) * sizeof(float)) << "the gradients themselves must show";
  EXPECT_TRUE(std::isfinite(loss.item()));
}

TEST(CrossEntropy, ForwardKeepsOnlyPerTokenState) {
  const int64_t N = 128, V = 4096;
  Tensor logits = testing::random_f32({N, V}, 17, -4, 4).set_requires_grad(true);
  std::vector<int32_t> lv(N);
  for (int64_t i = 0; i < N; ++i) lv[size_t(i)] = int32_t((i * 101) % V);
  reset_peak_memory();
  const size_t base = memory_stats().live_bytes;
  Tensor loss = cross_entropy(logits, Tensor::from_ints({N}, lv));
  EXPECT_LT(memory_stats().peak_bytes - base, size_t(N * V) * sizeof(float) / 16);
  // Backward writes the logits' gradient, which the engine then copies into the leaf's .grad:
  // two arrays of the logits' size. A third (the probabilities) would break this bound.
  reset_peak_memory();
  const size_t before_backward = memory_stats().live_bytes;
  backward(loss);
  EXPECT_LT(memory_stats().peak_bytes - before_backward, size_t(N * V) * sizeof(float) * 5 / 2);
}

}  // namespace
}  // namespace hone
