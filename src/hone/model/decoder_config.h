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
  bool qk_norm = false;   // RMSNorm over each head of q and k before RoPE (qwen3)
  std::optional<int64_t> sliding_window;  // an active window: longer sequences are refused
  std::vector<int32_t> bos_token_ids, eos_token_ids;
  std::optional<int32_t> pad_token_id;

  // Error naming the field when the numbers are inconsistent (heads not dividing, odd head_dim).
  void validate() const;
  // Parameter count (tied embeddings counted once).
  int64_t parameter_count() const;
};

}  // namespace hone
