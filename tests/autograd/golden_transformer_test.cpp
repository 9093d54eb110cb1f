// hone's f32 forward and gradients against PyTorch (float64 on the same f32 inputs) for the
// transformer ops: tests/golden/transformer_{rms_norm,layer_norm,rope,attention}.safetensors
// from tests/reference/golden_ops_transformer.py, which mirrors transformers' Llama code.
// Each case runs the op on the stored inputs, backpropagates the stored R (the gradient of
// sum(out * R)) and compares the output and every float input's gradient.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "hone/autograd/backward.h"
#include "hone/autograd/ops_attention.h"
#include "hone/autograd/ops_norm.h"
#include "hone/autograd/ops_rope.h"
#include "support/golden.h"
#include "support/golden_op_case.h"

namespace hone {
namespace {

using Inputs = testing::GoldenInputs;
using testing::Tolerance;

void check_case(const std::string& file, const std::string& case_name, const std::vector<std::string>& names,
                const testing::GoldenOp& op, Tolerance out_tol, Tolerance grad_tol) {
  testing::check_golden_case("transformer_" + file, case_name, names, op, out_tol, grad_tol);
}

// Row statistics over D <= 32 values (accumulated in double) and a few f32 roundings after.
constexpr Tolerance kNorm{2e-6, 2e-6};
// The weight gradient sums 10-20 rows of f32 products.
constexpr Tolerance kNormGrad{1e-5, 1e-5};
// A rotation is two products and a sum per element, with cos/sin rounded to f32 once.
constexpr Tolerance kRope{1e-6, 1e-6};
// Softmax over <= 8 keys and products over Dh = 8: exp adds an ulp, sums a few more.
constexpr Tolerance kAttention{1e-6, 1e-5};
constexpr Tolerance kAttentionGrad{5e-6, 2e-5};

TEST(GoldenTransformer, RmsNorm) {
  auto op = [](double eps) { return [eps](const Inputs& in) { return rms_norm(in.at("x"), in.at("weight"), eps); }; };
  check_case("rms_norm", "hidden32", {"x", "weight"}, op(1e-6), kNorm, kNormGrad);
  check_case("rms_norm", "small_values", {"x", "weight"}, op(1e-5), kNorm, kNormGrad);
}

TEST(GoldenTransformer, LayerNorm) {
  check_case("layer_norm", "affine", {"x", "weight", "bias"},
             [](const Inputs& in) { return layer_norm(in.at("x"), in.at("weight"), in.at("bias"), 1e-5); }, kNorm,
             kNormGrad);
  check_case("layer_norm", "plain", {"x"}, [](const Inputs& in) { return layer_norm(in.at("x"), {}, {}, 1e-5); },
             kNorm, kNormGrad);
}

RopeConfig rope_config(RopeLayout layout, RopeScalingType type) {
  RopeConfig c;
  c.head_dim = 16;
  c.layout = layout;
  c.scaling.type = type;
  if (type == RopeScalingType::Linear) c.scaling.factor = 4.0;
  if (type == RopeScalingType::Llama3) {  // Llama 3.1's published values
    c.theta = 500000.0;
    c.scaling.factor = 8.0;
    c.scaling.low_freq_factor = 1.0;
    c.scaling.high_freq_factor = 4.0;
    c.scaling.original_max_position_embeddings = 8192;
  }
  return c;
}

TEST(GoldenTransformer, RopeInverseFrequenciesMatchTransformersLlama3) {
  const Tensor expected = testing::Golden("transformer_rope").get("inv_freq_llama3");
  const std::vector<float> actual = rope_inv_freq(rope_config(RopeLayout::RotateHalf, RopeScalingType::Llama3));
  const Tensor got = Tensor::from_floats(Shape{int64_t(actual.size())}, actual);
  // Each step is the same f32 operation; pow may differ from PyTorch's by an ulp at most.
  testing::expect_close(got, expected, 0.0, 2e-7, "inv_freq_llama3");
}

TEST(GoldenTransformer, RopeBothLayoutsAllScalings) {
  const std::pair<const char*, RopeLayout> layouts[] = {{"half", RopeLayout::RotateHalf},
                                                         {"interleaved", RopeLayout::Interleaved}};
  const std::pair<const char*, RopeScalingType> cases[] = {{"default_offset", RopeScalingType::None},
                                                            {"linear_per_row", RopeScalingType::Linear},
                                                            {"llama3_far", RopeScalingType::Llama3}};
  for (const auto& [layout_name, layout] : layouts)
    for (const auto& [case_suffix, type] : cases) {
      auto table = RopeTable::create(rope_config(layout, type), 8192);
      check_case("rope", std::string(layout_name) + "_" + case_suffix, {"x", "positions"},
                 [table](const Inputs& in) { return rope(in.at("x"), in.at("positions"), table); }, kRope, kRope);
    }
}

TEST(GoldenTransformer, AttentionMhaGqaAndKvCache) {
  auto causal = [](const Inputs& in) { return attention(in.at("q"), in.at("k"), in.at("v")); };
  for (const char* c : {"mha_causal", "gqa_causal", "kv_cache_causal"})
    check_case("attention", c, {"q", "k", "v"}, causal, kAttention, kAttentionGrad);
}

TEST(GoldenTransformer, AttentionPackedBlockDiagonal) {
  // The same block-diagonal causal mask described two ways: per-token segment ids with
  // causality (cheap), and the explicit boolean [B, T, S] mask.
  check_case("attention", "packed_block_diagonal", {"q", "k", "v", "segment_ids"},
             [](const Inputs& in) {
               AttentionOptions o;
               o.segment_ids = in.at("segment_ids");
               return attention(in.at("q"), in.at("k"), in.at("v"), o);
             },
             kAttention, kAttentionGrad);
  check_case("attention", "packed_block_diagonal", {"q", "k", "v", "mask"},
             [](const Inputs& in) {
               AttentionOptions o;
               o.causal = false;
               o.mask = in.at("mask");
               return attention(in.at("q"), in.at("k"), in.at("v"), o);
             },
             kAttention, kAttentionGrad);
}

TEST(GoldenTransformer, AttentionAdditiveMask) {
  check_case("attention", "additive_bias", {"q", "k", "v"},
             [](const Inputs& in) {
               AttentionOptions o;
               o.causal = false;
               o.mask = testing::Golden("transformer_attention").get("additive_bias.mask");
               return attention(in.at("q"), in.at("k"), in.at("v"), o);
             },
             kAttention, kAttentionGrad);
}

}  // namespace
}  // namespace hone
