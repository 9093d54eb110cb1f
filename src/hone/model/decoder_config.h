// The options of hone's one decoder implementation. Llama, Mistral and Qwen2 are values of this
// struct (io/model_family.h holds one row per family; hf_model.h maps config.json onto it,
// gguf_model.h GGUF metadata), not separate classes: a family that needs a new block feature
// adds an option here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hone/tensor/kernels_rope.h"

namespace hone {

// The MLP between gate/up and down: silu(gate) * up, or gelu_tanh(gate) * up (Gemma's GeGLU).
enum class MlpActivation { kSilu, kGeluTanh };

struct DecoderConfig {
  std::string model_type = "llama";  // what config.json says: a row of io/model_family.h
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;  // hidden_size / num_heads unless config.json gives head_dim
  double rms_norm_eps = 1e-6;
  RopeConfig rope;       // theta, scaling; layout RotateHalf for Hugging Face weights
  int64_t max_position_embeddings = 2048;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;  // qwen2; llama with attention_bias
  bool o_bias = false;    // llama with attention_bias
  bool qk_norm = false;   // RMSNorm over each head of q and k before RoPE (qwen3, gemma3)
  MlpActivation activation = MlpActivation::kSilu;
  bool norm_adds_one = false;   // every RMSNorm scales by (1 + weight) (gemma3)
  bool sandwich_norms = false;  // post_attention_layernorm on the attention output, pre_/post_feedforward_layernorm around the MLP (gemma3)
  double embedding_scale = 1.0;  // embeddings times this (gemma3: sqrt(hidden_size) rounded to f32)
  std::optional<double> query_pre_attn_scalar;  // attention scale query_pre_attn_scalar^-0.5 (else head_dim^-0.5)
  // Per layer: its sliding window (keys within `window` positions), 0 for full attention; empty
  // means every layer is full.
  std::vector<int64_t> layer_windows;
  // The RoPE of sliding-window layers when it differs from `rope` (gemma3: its own base, no scaling).
  std::optional<RopeConfig> sliding_rope;
  std::vector<int32_t> bos_token_ids, eos_token_ids;
  std::optional<int32_t> pad_token_id;

  // The window of `layer` (0: full attention).
  int64_t window_for_layer(int64_t layer) const {
    return layer_windows.empty() ? 0 : layer_windows.at(size_t(layer));
  }
  // Error naming the field when the numbers are inconsistent (heads not dividing, odd head_dim).
  void validate() const;
  // Parameters implied by the sizes, in double so that absurd sizes cannot overflow.
  double parameter_count_estimate() const;
  // No dimension of a real model comes near this; larger ones are errors before allocating.
  static constexpr int64_t kMaxDimension = int64_t(1) << 31;
  // Parameter count (tied embeddings counted once).
  int64_t parameter_count() const;
};

}  // namespace hone
