// Tape semantics: accumulation, frozen tensors, no_grad, graph release, checkpointing.
#include <gtest/gtest.h>

#include "hone/autograd/backward.h"
#include "hone/autograd/checkpoint.h"
#include "hone/autograd/grad_mode.h"
#include "hone/autograd/node.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/autograd/ops_linalg.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::random_f64;

TEST(Graph, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = random_f64({3}, 1).set_requires_grad(true);
  Tensor g = Tensor::full({3}, 1.0, DType::F64);
  backward(scale(x, 2.0), g);
  backward(scale(x, 3.0), g);
  for (double v : x.grad().to_doubles()) EXPECT_DOUBLE_EQ(v, 5.0);
}

TEST(Graph, SharedInputsSumTheirGradients) {
  Tensor x = random_f64({4}, 2).set_requires_grad(true);
  Tensor y = mul(x, x);  // dy/dx = 2x, both edges into the same leaf
  backward(y, Tensor::full({4}, 1.0, DType::F64));
  const auto xs = x.to_doubles(), gs = x.grad().to_doubles();
  for (size_t i = 0; i < xs.size(); ++i) EXPECT_NEAR(gs[i], 2 * xs[i], 1e-12);
}

TEST(Graph, DiamondRunsEachNodeOnce) {
  Tensor x = random_f64({4}, 3).set_requires_grad(true);
  Tensor h = scale(x, 3.0);
  Tensor y = add(mul(h, h), h);  // y = 9x^2 + 3x
  backward(y, Tensor::full({4}, 1.0, DType::F64));
  const auto xs = x.to_doubles(), gs = x.grad().to_doubles();
  for (size_t i = 0; i < xs.size(); ++i) EXPECT_NEAR(gs[i], 18 * xs[i] + 3, 1e-12);
}

TEST(Graph, FrozenTensorsNeverGetGradientBuffers) {
  Tensor w = random_f64({3, 3}, 4);
  Tensor x = random_f64({2, 3}, 5).set_requires_grad(true);
  backward(linear(x, w), Tensor::full({2, 3}, 1.0, DType::F64));
  EXPECT_TRUE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
}

TEST(Graph, NoGradRecordsNothing) {
  Tensor x = random_f64({3}, 6).set_requires_grad(true);
  Tensor y;
  {
    NoGradGuard no_grad;
    y = scale(x, 2.0);
  }
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(grad_enabled());
}

TEST(Graph, GraphIsFreedAfterBackward) {
  Tensor x = random_f64({3}, 7).set_requires_grad(true);
  Tensor y = scale(silu(x), 2.0);
  backward(y, Tensor::full({3}, 1.0, DType::F64));
  EXPECT_THROW(backward(y, Tensor::full({3}, 1.0, DType::F64)), Error);
}

TEST(Graph, BackwardOnNonScalarNeedsExplicitGradient) {
  Tensor x = random_f64({3}, 8).set_requires_grad(true);
  EXPECT_THROW(backward(scale(x, 1.0)), Error);
}

TEST(Checkpoint, SameGradientsAsWithoutAndParametersReached) {
  Tensor w = random_f64({4, 4}, 9).set_requires_grad(true);
  Tensor x0 = random_f64({3, 4}, 10);
  const Block block = [w](const Tensor& h) { return silu(linear(h, w)); };
  const Tensor g = random_f64({3, 4}, 11);

  Tensor x1 = x0.clone().set_requires_grad(true);
  backward(block(block(x1)), g);
  const auto gx_plain = x1.grad().to_doubles();
  const auto gw_plain = w.grad().to_doubles();
  w.zero_grad();

  Tensor x2 = x0.clone().set_requires_grad(true);
  Tensor y = checkpoint(block, checkpoint(block, x2));
  backward(y, g);
  const auto gx_ckpt = x2.grad().to_doubles();
  const auto gw_ckpt = w.grad().to_doubles();
  ASSERT_EQ(gx_plain.size(), gx_ckpt.size());
  for (size_t i = 0; i < gx_plain.size(); ++i) EXPECT_NEAR(gx_plain[i], gx_ckpt[i], 1e-12);
  for (size_t i = 0; i < gw_plain.size(); ++i) EXPECT_NEAR(gw_plain[i], gw_ckpt[i], 1e-12);
}

TEST(Checkpoint, ForwardKeepsNoActivations) {
  // With no_grad inside, the block's intermediate ops record no nodes: the output's node is the
  // checkpoint itself, whose only edge is the block's input.
  Tensor w = random_f64({4, 4}, 12).set_requires_grad(true);
  Tensor x = random_f64({2, 4}, 13).set_requires_grad(true);
  Tensor y = checkpoint([w](const Tensor& h) { return silu(linear(h, w)); }, x);
  ASSERT_TRUE(y.impl().grad_fn);
  EXPECT_EQ(y.impl().grad_fn->name(), "checkpoint");
  EXPECT_EQ(y.impl().grad_fn->edges().size(), 1u);
}

}  // namespace
}  // namespace hone
