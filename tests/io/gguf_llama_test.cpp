// The Llama helpers for GGUF: the q/k permutation (its formula, its inverse, and that it turns
// Hugging Face's rotate-half RoPE into llama.cpp's interleaved RoPE with the same attention
// scores), the tensor-name mapping, and ModelConfig <-> {arch}.* metadata through a real file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>

#include "hone/io/gguf_llama.h"
#include "hone/io/gguf_writer.h"
#include "hone/util/rng.h"

namespace hone {
namespace {

Tensor row_ids(int64_t rows, int64_t cols) {
  std::vector<float> v(size_t(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) v[size_t(r * cols + c)] = float(r * 1000 + c);
  return Tensor::from_floats({rows, cols}, v);
}

std::vector<int> first_column_rows(const Tensor& t) {
  std::vector<int> rows;
  const auto v = t.to_doubles();
  for (int64_t r = 0; r < t.dim(0); ++r) rows.push_back(int(v[size_t(r * t.dim(1))]) / 1000);
  return rows;
}

TEST(GgufLlama, PermutationMatchesConvertHfToGguf) {
  // reshape(n_head, 2, d/2, cols).swapaxes(1, 2): within each head the two halves interleave.
  EXPECT_EQ(first_column_rows(permute_qk_for_gguf(row_ids(4, 3), 1)), (std::vector<int>{0, 2, 1, 3}));
  EXPECT_EQ(first_column_rows(permute_qk_for_gguf(row_ids(8, 3), 2)), (std::vector<int>{0, 2, 1, 3, 4, 6, 5, 7}));
  EXPECT_EQ(first_column_rows(permute_qk_for_gguf(row_ids(8, 3), 1)), (std::vector<int>{0, 4, 1, 5, 2, 6, 3, 7}));
  EXPECT_EQ(first_column_rows(unpermute_qk_from_gguf(row_ids(8, 3), 1)), (std::vector<int>{0, 2, 4, 6, 1, 3, 5, 7}));
}

TEST(GgufLlama, UnpermuteInvertsPermuteForEveryDtype) {
  Rng rng(7);
  std::vector<float> v(64 * 64);
  for (size_t i = 0; i < v.size(); ++i) v[i] = rng.normal(i);
  const Tensor w = Tensor::from_floats({64, 64}, v);
  for (DType dtype : {DType::F32, DType::BF16, DType::F16, DType::Q8_0, DType::Q4_0}) {
    const Tensor x = w.to(dtype);
    for (int64_t heads : {1, 4, 8, 32}) {
      const Tensor p = permute_qk_for_gguf(x, heads);
      const Tensor back = unpermute_qk_from_gguf(p, heads);
      ASSERT_EQ(back.nbytes(), x.nbytes());
      EXPECT_EQ(std::memcmp(back.raw(), x.raw(), x.nbytes()), 0) << dtype_name(dtype) << " heads " << heads;
      if (heads < 32) {  // with 32 heads of 2 rows the permutation is the identity
        EXPECT_NE(std::memcmp(p.raw(), x.raw(), x.nbytes()), 0) << "the permutation moves rows";
      }
    }
  }
  // A bias (one value per row) permutes the same way as the weight's rows.
  const Tensor bias = Tensor::from_floats({4}, std::vector<float>{0, 1, 2, 3});
  EXPECT_EQ(permute_qk_for_gguf(bias, 1).to_doubles(), (std::vector<double>{0, 2, 1, 3}));
  EXPECT_THROW(permute_qk_for_gguf(w, 3), Error);                  // 64 rows are not 3 heads
  EXPECT_THROW(permute_qk_for_gguf(row_ids(6, 2), 2), Error);     // odd head size
  EXPECT_THROW(permute_qk_for_gguf(w.view({64 * 64}).to(DType::Q8_0), 2), Error);  // rows of a block type
}

// RoPE in both layouts, on one head vector at position `pos`.
std::vector<double> rope_rotate_half(std::vector<double> q, int pos) {
  const size_t half = q.size() / 2;
  std::vector<double> out(q.size());
  for (size_t i = 0; i < half; ++i) {
    const double angle = pos * std::pow(10000.0, -2.0 * double(i) / double(q.size()));
    out[i] = q[i] * std::cos(angle) - q[i + half] * std::sin(angle);
    out[i + half] = q[i + half] * std::cos(angle) + q[i] * std::sin(angle);
  }
  return out;
}

std::vector<double> rope_interleaved(std::vector<double> q, int pos) {
  std::vector<double> out(q.size());
  for (size_t i = 0; i < q.size() / 2; ++i) {
    const double angle = pos * std::pow(10000.0, -2.0 * double(i) / double(q.size()));
    out[2 * i] = q[2 * i] * std::cos(angle) - q[2 * i + 1] * std::sin(angle);
    out[2 * i + 1] = q[2 * i + 1] * std::cos(angle) + q[2 * i] * std::sin(angle);
  }
  return out;
}

// Head h of W x (W [rows, in] row-major).
std::vector<double> project_head(const Tensor& w, const std::vector<double>& x, int64_t head, int64_t head_dim) {
  const auto wv = w.to_doubles();
  std::vector<double> out(size_t(head_dim), 0.0);
  for (int64_t r = 0; r < head_dim; ++r)
    for (size_t c = 0; c < x.size(); ++c) out[size_t(r)] += wv[size_t((head * head_dim + r) * w.dim(1)) + c] * x[c];
  return out;
}

TEST(GgufLlama, PermutedWeightsWithInterleavedRopeGiveTheSameAttentionScores) {
  const int64_t hidden = 16, heads = 4, kv_heads = 2, head_dim = 8;
  Rng rng(3);
  auto random = [&](Shape s) {
    std::vector<float> v(size_t(s.numel()));
    for (auto& x : v) x = rng.next_normal();
    return Tensor::from_floats(s, v);
  };
  const Tensor wq = random({heads * head_dim, hidden}), wk = random({kv_heads * head_dim, hidden});
  const Tensor wq_gguf = permute_qk_for_gguf(wq, heads), wk_gguf = permute_qk_for_gguf(wk, kv_heads);
  std::vector<double> x1(hidden), x2(hidden);
  for (auto& v : x1) v = rng.next_normal();
  for (auto& v : x2) v = rng.next_normal();
  for (int64_t h = 0; h < heads; ++h) {
    const int64_t kv = h / (heads / kv_heads);
    const auto q_hf = rope_rotate_half(project_head(wq, x1, h, head_dim), 5);
    const auto k_hf = rope_rotate_half(project_head(wk, x2, kv, head_dim), 2);
    const auto q_gg = rope_interleaved(project_head(wq_gguf, x1, h, head_dim), 5);
    const auto k_gg = rope_interleaved(project_head(wk_gguf, x2, kv, head_dim), 2);
    double score_hf = 0, score_gg = 0, score_mixed = 0;
    const auto q_wrong = rope_interleaved(project_head(wq, x1, h, head_dim), 5);
    const auto k_wrong = rope_interleaved(project_head(wk, x2, kv, head_dim), 2);
    for (int64_t i = 0; i < head_dim; ++i) {
      score_hf += q_hf[size_t(i)] * k_hf[size_t(i)];
      score_gg += q_gg[size_t(i)] * k_gg[size_t(i)];
      score_mixed += q_wrong[size_t(i)] * k_wrong[size_t(i)];
    }
    EXPECT_NEAR(score_gg, score_hf, 1e-4 * (1 + std::abs(score_hf))) << "head " << h;
    EXPECT_GT(std::abs(score_mixed - score_hf), 1e-3) << "without the permutation the layouts disagree";
  }
}

TEST(GgufLlama, TensorNamesMapBothWays) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"model.embed_tokens.weight", "token_embd.weight"},
      {"model.norm.weight", "output_norm.weight"},
      {"lm_head.weight", "output.weight"},
      {"model.layers.0.input_layernorm.weight", "blk.0.attn_norm.weight"},
      {"model.layers.12.self_attn.q_proj.weight", "blk.12.attn_q.weight"},
      {"model.layers.12.self_attn.q_proj.bias", "blk.12.attn_q.bias"},
      {"model.layers.3.self_attn.k_proj.weight", "blk.3.attn_k.weight"},
      {"model.layers.3.self_attn.v_proj.bias", "blk.3.attn_v.bias"},
      {"model.layers.3.self_attn.o_proj.weight", "blk.3.attn_output.weight"},
      {"model.layers.3.post_attention_layernorm.weight", "blk.3.ffn_norm.weight"},
      {"model.layers.3.mlp.gate_proj.weight", "blk.3.ffn_gate.weight"},
      {"model.layers.3.mlp.up_proj.weight", "blk.3.ffn_up.weight"},
      {"model.layers.31.mlp.down_proj.weight", "blk.31.ffn_down.weight"},
  };
  for (const auto& [hf, gguf] : pairs) {
    EXPECT_EQ(gguf_tensor_name_from_hf(hf), gguf) << hf;
    EXPECT_EQ(hf_tensor_name_from_gguf(gguf), hf) << gguf;
  }
  for (const std::string bad : {"rope_freqs.weight", "blk.x.attn_q.weight", "blk.1.attn_q", "blk..attn_q.weight",
                                "blk.1.attn_qq.weight", "output.scale", ""})
    EXPECT_EQ(hf_tensor_name_from_gguf(bad), std::nullopt) << bad;
  for (const std::string bad : {"model.layers.1.self_attn.rotary_emb.inv_freq", "model.layers.1.mlp.weight",
                                "model.embed_tokens", "layers.1.mlp.up_proj.weight"})
    EXPECT_EQ(gguf_tensor_name_from_hf(bad), std::nullopt) << bad;
}

ModelConfig small_llama() {
  ModelConfig c = default_model_config("llama");
  c.vocab_size = 64;
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 8;
  c.max_position_embeddings = 128;
  c.rms_norm_eps = 1e-5;
  c.rope_theta = 500000.0;
  c.tie_word_embeddings = true;
  c.bos_token_ids = {1};
  c.eos_token_ids = {2};
  c.sliding_layers.assign(2, false);
  return c;
}

GgufFile write_and_read(const GgufMetadata& m, const NamedTensors& tensors) {
  const std::string image = gguf_bytes(m, tensors);
  return GgufFile::from_bytes("model.gguf", {image.begin(), image.end()});
}

TEST(GgufLlama, ModelConfigRoundTripsThroughMetadata) {
  ModelConfig c = small_llama();
  GgufMetadata m;
  add_model_config_metadata(m, c);
  EXPECT_EQ(m.get_string("general.architecture"), "llama");
  EXPECT_EQ(m.get_uint("llama.attention.head_count_kv"), 2u);
  EXPECT_EQ(m.get_uint("llama.rope.dimension_count"), 8u);
  const NamedTensors tensors = {{"token_embd.weight", Tensor::zeros({64, 32})}};
  ModelConfig back = model_config_from_gguf(write_and_read(m, tensors));
  EXPECT_FLOAT_EQ(float(back.rms_norm_eps), 1e-5f);  // stored as f32
  back.rms_norm_eps = c.rms_norm_eps;
  EXPECT_TRUE(back == c);

  // An lm_head makes the embeddings untied; linear scaling and head_dim != hidden/heads survive.
  c.tie_word_embeddings = false;
  c.head_dim = 16;
  c.rope_scaling.type = HfRopeScalingType::kLinear;
  c.rope_scaling.factor = 4.0;
  m = GgufMetadata();
  add_model_config_metadata(m, c);
  EXPECT_EQ(m.get_uint("llama.attention.key_length"), 16u);
  back = model_config_from_gguf(write_and_read(m, {{"output.weight", Tensor::zeros({64, 32})}}));
  back.rms_norm_eps = c.rms_norm_eps;
  EXPECT_TRUE(back == c);
}

TEST(GgufLlama, VocabularySizeFallsBackToTokensThenEmbedding) {
  GgufMetadata m;
  add_model_config_metadata(m, small_llama());
  m.erase("llama.vocab_size");
  EXPECT_EQ(model_config_from_gguf(write_and_read(m, {{"token_embd.weight", Tensor::zeros({64, 32})}})).vocab_size, 64);
  m.set(gguf_key::kTokens, GgufValue::string_array({"a", "b", "c"}));
  EXPECT_EQ(model_config_from_gguf(write_and_read(m, {})).vocab_size, 3);
}

void expect_config_error(const GgufMetadata& m, const NamedTensors& tensors, const std::string& needle) {
  try {
    model_config_from_gguf(write_and_read(m, tensors));
    ADD_FAILURE() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("model.gguf: ", 0), 0u) << e.what();
  }
}

TEST(GgufLlama, ConfigErrorsNameTheKey) {
  GgufMetadata good;
  add_model_config_metadata(good, small_llama());
  GgufMetadata m = good;
  m.erase("llama.embedding_length");
  expect_config_error(m, {}, "metadata key 'llama.embedding_length' is missing");
  m = good;
  m.set("general.architecture", GgufValue::string("gpt2"));
  expect_config_error(m, {}, "general.architecture 'gpt2' is not supported");
  m = good;
  m.set("llama.block_count", GgufValue::f32(2));
  expect_config_error(m, {}, "'llama.block_count' is a f32, expected an unsigned integer");
  m = good;
  m.set("llama.rope.dimension_count", GgufValue::u32(4));
  expect_config_error(m, {}, "partial rotary");
  m = good;
  m.set("llama.rope.scaling.type", GgufValue::string("yarn"));
  expect_config_error(m, {}, "'yarn' is not supported");
  expect_config_error(good, {{"rope_freqs.weight", Tensor::zeros({4})}}, "rope_freqs.weight");
  m = good;
  m.set("llama.attention.head_count_kv", GgufValue::u32(3));
  expect_config_error(m, {}, "4 attention heads do not share 3 key/value heads");

  ModelConfig mistral = default_model_config("mistral");
  GgufMetadata out;
  EXPECT_THROW(add_model_config_metadata(out, mistral), Error);  // sliding window 4096 < 32768 positions
  ModelConfig llama3 = small_llama();
  llama3.rope_scaling.type = HfRopeScalingType::kLlama3;
  EXPECT_THROW(add_model_config_metadata(out, llama3), Error);
}

TEST(GgufLlama, FileTypes) {
  EXPECT_EQ(llama_file_type_for(DType::F32), 0u);
  EXPECT_EQ(llama_file_type_for(DType::F16), 1u);
  EXPECT_EQ(llama_file_type_for(DType::Q8_0), 7u);
  EXPECT_EQ(llama_file_type_for(DType::BF16), 32u);
  EXPECT_THROW(llama_file_type_for(DType::I32), Error);
  EXPECT_TRUE(gguf_permutes_qk("llama"));
  EXPECT_TRUE(gguf_permutes_qk("mistral"));
  EXPECT_FALSE(gguf_permutes_qk("qwen2"));
}

}  // namespace
}  // namespace hone
