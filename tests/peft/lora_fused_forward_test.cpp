// A linear layer with one plain LoRA adapter runs as the single fused lora_linear op, and gives
// the output and gradients of the composed path (base linear, then the adapter adding its
// scaled branch), in evaluation and in training with dropout. Stacked adapters and DoRA keep
// the composed path.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/autograd/node.h"
#include "hone/autograd/ops_linalg.h"
#include "hone/peft/lora/layer.h"
#include "support/golden.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::expect_close;
using testing::random_f32;

constexpr int64_t kIn = 24, kOut = 20, kRank = 4;

struct Layer {
  LinearModule base;
  ForwardContext ctx;  // what the forward pass hands the adapters

  explicit Layer(bool with_bias) {
    base.name = "model.layers.0.self_attn.q_proj";
    base.weight = random_f32({kOut, kIn}, 1, -0.3, 0.3);
    if (with_bias) base.bias = random_f32({kOut}, 2);
    ctx.seed = 11;
  }

  std::shared_ptr<LoraAdapter> attach(double scaling, double dropout, bool dora, uint64_t stream) {
    auto adapter = std::make_shared<LoraAdapter>(base, kRank, scaling, dropout, dora, "default", 3, stream);
    adapter->lora_B().copy_from(random_f32({kOut, kRank}, 10 + stream, -0.3, 0.3));  // PEFT starts at 0
    base.adapters.push_back(adapter);
    return adapter;
  }
};

std::string producer(const Tensor& y) { return y.is_leaf() ? "" : y.impl().grad_fn->name(); }

struct Outcome {
  Tensor y, dx, da, db;
};

Outcome run(const std::function<Tensor(const Tensor&)>& layer, LoraAdapter& adapter) {
  Tensor x = random_f32({3, 7, kIn}, 20).set_requires_grad(true);
  const Tensor y = layer(x);
  backward(y, random_f32(y.shape(), 21));
  Outcome o{y.detach(), x.grad(), adapter.lora_A().grad(), adapter.lora_B().grad()};
  adapter.lora_A().zero_grad();
  adapter.lora_B().zero_grad();
  return o;
}

void expect_same(const Outcome& got, const Outcome& want, const std::string& what) {
  expect_close(got.y, want.y, 1e-5, 1e-5, what + " output");
  expect_close(got.dx, want.dx, 1e-5, 1e-5, what + " dx");
  expect_close(got.da, want.da, 1e-5, 1e-5, what + " dA");
  expect_close(got.db, want.db, 1e-5, 1e-5, what + " dB");
}

class LoraFusedForward : public ::testing::TestWithParam<bool> {};  // with bias or not

TEST_P(LoraFusedForward, SingleAdapterIsOneOpMatchingTheComposedPath) {
  Layer layer(GetParam());
  const auto adapter = layer.attach(2.0, 0.2, /*dora=*/false, 1);
  for (const bool training : {false, true}) {
    layer.ctx.training = training;
    layer.ctx.micro_step = 5;
    const std::string what = training ? "training (dropout)" : "evaluation";
    const Outcome fused = run([&](const Tensor& x) {
      const Tensor y = layer.base.forward(x, layer.ctx);
      EXPECT_EQ(producer(y), "lora_linear") << what;
      return y;
    }, *adapter);
    // The same micro-step draws the same dropout mask, so the composed path sees the same x_l.
    const Outcome composed = run([&](const Tensor& x) {
      return adapter->forward(layer.base, x, linear(x, layer.base.weight, layer.base.bias), layer.ctx);
    }, *adapter);
    expect_same(fused, composed, what);
    EXPECT_FALSE(layer.base.weight.grad().defined());
  }
}

INSTANTIATE_TEST_SUITE_P(Bias, LoraFusedForward, ::testing::Bool(),
                         [](const auto& info) { return std::string(info.param ? "WithBias" : "NoBias"); });

TEST(LoraFusedForward, StackedAdaptersEachAddTheirBranch) {
  Layer layer(/*with_bias=*/true);
  const auto first = layer.attach(2.0, 0.0, false, 1);
  const auto second = layer.attach(0.5, 0.0, false, 2);
  const Tensor x = random_f32({5, kIn}, 30);
  NoGradGuard no_grad;
  const Tensor y = layer.base.forward(x, layer.ctx);
  const Tensor first_out = first->forward(layer.base, x, linear(x, layer.base.weight, layer.base.bias), layer.ctx);
  const Tensor want = second->forward(layer.base, x, first_out, layer.ctx);
  expect_close(y, want, 0, 0, "two adapters");
  // And the sum really contains both branches: dropping the second changes the output.
  layer.base.adapters.pop_back();
  const Tensor one = layer.base.forward(x, layer.ctx);
  EXPECT_NE(one.to_doubles(), y.to_doubles());
}

TEST(LoraFusedForward, DoraKeepsTheComposedPath) {
  Layer layer(/*with_bias=*/false);
  const auto adapter = layer.attach(2.0, 0.0, /*dora=*/true, 1);
  EXPECT_FALSE(adapter->forward_whole(layer.base, random_f32({2, kIn}, 40), layer.ctx).defined());
  const Tensor y = layer.base.forward(random_f32({2, kIn}, 41), layer.ctx);
  EXPECT_NE(producer(y), "lora_linear");
}

}  // namespace
}  // namespace hone
