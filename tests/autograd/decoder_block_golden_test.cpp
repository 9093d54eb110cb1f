// A whole tiny Llama decoder layer built from hone ops (linear, rms_norm, rope, attention,
// silu, mul, add) against transformers' LlamaDecoderLayer as mirrored in
// tests/reference/golden_ops_transformer.py: hidden 32, 4 query heads, 2 kv heads, head_dim 8,
// intermediate 48, batch 2, seq 5, per-row positions. Forward output and the gradient of
// every parameter and of the input must match.
#include <gtest/gtest.h>

#include <map>

#include "hone/autograd/backward.h"
#include "hone/autograd/ops_attention.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/autograd/ops_linalg.h"
#include "hone/autograd/ops_norm.h"
#include "hone/autograd/ops_rope.h"
#include "support/golden.h"

namespace hone {
namespace {

constexpr int64_t kHidden = 32, kHeads = 4, kKvHeads = 2, kHeadDim = 8;
constexpr double kEps = 1e-5;

const char* const kParams[] = {"input_layernorm.weight",       "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                               "self_attn.v_proj.weight",      "self_attn.o_proj.weight", "post_attention_layernorm.weight",
                               "mlp.gate_proj.weight",         "mlp.up_proj.weight",      "mlp.down_proj.weight"};

Tensor decoder_layer(const Tensor& x, const Tensor& positions, std::map<std::string, Tensor>& p,
                     const std::shared_ptr<const RopeTable>& rope_table) {
  const int64_t B = x.dim(0), T = x.dim(1);
  Tensor h = rms_norm(x, p["input_layernorm.weight"], kEps);
  // Projections come out as [B, T, H * Dh]; viewing them as [B, T, H, Dh] is free.
  Tensor q = reshape(linear(h, p["self_attn.q_proj.weight"]), Shape{B, T, kHeads, kHeadDim});
  Tensor k = reshape(linear(h, p["self_attn.k_proj.weight"]), Shape{B, T, kKvHeads, kHeadDim});
  Tensor v = reshape(linear(h, p["self_attn.v_proj.weight"]), Shape{B, T, kKvHeads, kHeadDim});
  q = rope(q, positions, rope_table);
  k = rope(k, positions, rope_table);
  Tensor attn = reshape(attention(q, k, v), Shape{B, T, kHeads * kHeadDim});
  Tensor hidden = add(x, linear(attn, p["self_attn.o_proj.weight"]));
  h = rms_norm(hidden, p["post_attention_layernorm.weight"], kEps);
  Tensor mlp = mul(silu(linear(h, p["mlp.gate_proj.weight"])), linear(h, p["mlp.up_proj.weight"]));
  return add(hidden, linear(mlp, p["mlp.down_proj.weight"]));
}

TEST(DecoderBlockGolden, LlamaLayerForwardAndEveryGradient) {
  const testing::Golden golden("transformer_decoder_block");
  const std::string c = "llama.";
  Tensor x = golden.get(c + "hidden_states").clone().set_requires_grad(true);
  const Tensor positions = golden.get(c + "position_ids");
  ASSERT_EQ(x.shape(), (Shape{2, 5, kHidden}));
  std::map<std::string, Tensor> params;
  for (const char* name : kParams) {
    ASSERT_TRUE(golden.has(c + name)) << name;
    params[name] = golden.get(c + name).clone().set_requires_grad(true).set_name(name);
  }
  RopeConfig rope_config;
  rope_config.head_dim = kHeadDim;
  rope_config.theta = 10000.0;
  const auto table = RopeTable::create(rope_config, 16);

  Tensor out = decoder_layer(x, positions, params, table);
  // A chain of ~10 f32 ops on values of size ~1: each adds a few roundings.
  testing::expect_close(out, golden.get(c + "out"), 5e-6, 5e-6, "out");
  backward(out, golden.get(c + "R"));
  testing::expect_close(x.grad(), golden.get(c + "grad_hidden_states"), 1e-5, 3e-5, "grad_hidden_states");
  for (const char* name : kParams)
    testing::expect_close(params[name].grad(), golden.get(c + "grad_" + name), 1e-5, 3e-5, std::string("grad_") + name);
}

}  // namespace
}  // namespace hone
