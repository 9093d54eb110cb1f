// What the graph keeps alive between forward and backward: only what backward rules read, no
// cycles through an op's own output, and gradients shared between nodes never overwritten.
#include <gtest/gtest.h>

#include "hone/autograd/backward.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/tensor/allocator.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::random_f64;

size_t live() { return memory_stats().live_bytes; }

// A residual add or a LoRA branch's add must not keep its second operand (a full activation)
// alive until backward just for its shape.
TEST(SavedTensors, AddAndSubKeepNeitherOperand) {
  Tensor p = random_f64({64, 32}, 1).set_requires_grad(true);
  for (auto op : {&add, &sub}) {
    Tensor y;
    size_t before_drop = 0;
    {
      Tensor a = scale(p, 2.0);
      Tensor b = scale(p, 3.0);
      y = op(a, b);
      before_drop = live();
    }
    EXPECT_EQ(live(), before_drop - 2 * p.nbytes());  // a and b are gone, the graph lives on
    backward(y, Tensor::full(y.shape(), 1.0, DType::F64));
    const double expected = op == &add ? 5.0 : -1.0;
    for (double g : p.grad().to_doubles()) EXPECT_DOUBLE_EQ(g, expected);
    p.zero_grad();
  }
}

TEST(SavedTensors, MulKeepsOnlyTheFactorsTheGradientsRead) {
  Tensor p = random_f64({64, 32}, 2).set_requires_grad(true);
  const Tensor frozen = random_f64({64, 32}, 3);
  Tensor y;
  size_t before_drop = 0;
  {
    Tensor a = scale(p, 2.0);  // needs a gradient, which reads only `frozen`
    y = mul(a, frozen);
    before_drop = live();
  }
  EXPECT_EQ(live(), before_drop - p.nbytes());
  backward(y, Tensor::full(y.shape(), 1.0, DType::F64));
  const auto g = p.grad().to_doubles(), f = frozen.to_doubles();
  for (size_t i = 0; i < g.size(); ++i) EXPECT_DOUBLE_EQ(g[i], 2.0 * f[i]);
}

// exp saves its output; holding it through the output's own handle would be a cycle (output ->
// node -> output) that outlives every user handle when backward never runs.
TEST(SavedTensors, DroppedGraphWithoutBackwardFreesEverything) {
  Tensor x = random_f64({128}, 4).set_requires_grad(true);
  const size_t before = live();
  { Tensor y = scale(exp(x), 2.0); }
  EXPECT_EQ(live(), before);
}

// Backward hands the same gradient buffer to several nodes (an add passes it to both inputs);
// a node that later receives a second contribution must not add it into that shared buffer.
TEST(SavedTensors, SharedGradientsAreCopiedOnWrite) {
  Tensor p = random_f64({16}, 5).set_requires_grad(true);
  const Tensor a = scale(p, 2.0);
  const Tensor b = scale(p, 3.0);
  const Tensor y = add(add(a, b), a);  // 2a + b = 7p
  backward(y, Tensor::full(y.shape(), 1.0, DType::F64));
  for (double g : p.grad().to_doubles()) EXPECT_DOUBLE_EQ(g, 7.0);
}

TEST(SavedTensors, TheCallersGradientIsNeverWritten) {
  Tensor p = random_f64({16}, 6).set_requires_grad(true);
  const Tensor a = scale(p, 1.0);
  const Tensor y = add(add(a, a), a);
  const Tensor g = Tensor::full(y.shape(), 1.0, DType::F64);
  backward(y, g);
  for (double v : g.to_doubles()) EXPECT_DOUBLE_EQ(v, 1.0);
  for (double v : p.grad().to_doubles()) EXPECT_DOUBLE_EQ(v, 3.0);
}

// Leaf gradients own their memory: clipping or an optimizer scales one in place without
// touching another leaf's.
TEST(SavedTensors, LeafGradientsNeverShareMemory) {
  Tensor p = random_f64({8}, 7).set_requires_grad(true);
  Tensor q = random_f64({8}, 8).set_requires_grad(true);
  backward(add(p, q), Tensor::full({8}, 1.0, DType::F64));
  ASSERT_NE(p.grad().raw(), q.grad().raw());
  p.grad().fill(0.0);
  for (double v : q.grad().to_doubles()) EXPECT_DOUBLE_EQ(v, 1.0);
}

}  // namespace
}  // namespace hone
