// hone's decoder-only transformer: Llama, Mistral, Qwen2, Qwen3 and Gemma 3 as options of one
// implementation (RMSNorm, rotary attention with grouped-query heads and optional sliding
// windows, SwiGLU or GeGLU MLP, residuals; DecoderConfig lists the options). Every weight is
// named by its Hugging Face path, so loading, saving and PEFT targeting are name lookups.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hone/model/block_hooks.h"
#include "hone/model/decoder_config.h"
#include "hone/model/forward_context.h"
#include "hone/model/kv_cache.h"
#include "hone/model/linear_module.h"
#include "hone/tensor/kernels_rope.h"

namespace hone {

struct DecoderLayer {
  Tensor input_layernorm;           // model.layers.N.input_layernorm.weight
  Tensor post_attention_layernorm;  // model.layers.N.post_attention_layernorm.weight
  Tensor pre_feedforward_layernorm, post_feedforward_layernorm;  // sandwich_norms only
  LinearModule q_proj, k_proj, v_proj, o_proj;  // model.layers.N.self_attn.*
  Tensor q_norm, k_norm;  // model.layers.N.self_attn.{q,k}_norm.weight [head_dim] (qk_norm only)
  LinearModule gate_proj, up_proj, down_proj;   // model.layers.N.mlp.*
};

// One forward pass's inputs beyond the token ids.
struct ForwardOptions {
  Tensor positions;    // I32 [T] or [B, T]; default 0..T-1 (or continuing the KV cache)
  Tensor segment_ids;  // I32 [B, T]: packed examples; attention stays inside each segment
  KvCache* cache = nullptr;          // generation: appends this step's keys and values
  bool checkpoint_layers = false;    // recompute each layer's activations in backward
  ForwardContext context;            // training or not, step, seed: for adapters and block hooks
};

class DecoderModel {
 public:
  // Allocates every weight (uninitialised) for `config`.
  explicit DecoderModel(DecoderConfig config);

  const DecoderConfig& config() const { return config_; }

  // Hugging Face initialisation: normal(0, std) for linear and embedding weights, ones for norms,
  // zeros for biases; reproducible from seed.
  void init_random(uint64_t seed, double std = 0.02);

  // Every weight with its Hugging Face name, in the order transformers lists them (a tied
  // lm_head is not listed separately).
  std::vector<std::pair<std::string, Tensor*>> named_parameters();
  std::vector<LinearModule*> linear_modules();

  // Final hidden states [B, T, D] after the last norm.
  Tensor hidden_states(const Tensor& ids, const ForwardOptions& options = {});
  // lm_head over hidden states: [..., D] -> [..., V].
  Tensor logits(const Tensor& hidden) const;
  // Mean next-token loss (labels shifted by one as in Hugging Face; -100 not scored) without
  // materialising logits. With `sum` the summed loss is returned (divide by the scored count).
  Tensor loss(const Tensor& ids, const Tensor& labels, const ForwardOptions& options = {}, bool sum = false);

  const Tensor& embed_tokens() const { return embed_tokens_; }
  Tensor& embed_tokens() { return embed_tokens_; }
  const Tensor& lm_head_weight() const { return config_.tie_word_embeddings ? embed_tokens_ : lm_head_; }
  std::vector<DecoderLayer>& layers() { return layers_; }
  Tensor& final_norm() { return norm_; }
  // The RoPE table as built so far (null before the first forward): it covers the positions
  // forwards have needed, not max_position_embeddings (which may be 2^31 in a config.json).
  std::shared_ptr<const RopeTable> rope_table() const { return rope_; }

  // Block hooks (model/block_hooks.h), run in the order attached. With none, the forward pass
  // is exactly the plain one.
  void add_hook(std::shared_ptr<BlockHook> hook);
  void remove_hook(const BlockHook* hook);

  // Allocates a cache sized for this model.
  KvCache make_cache(int64_t batch, int64_t max_len) const;

 private:
  Tensor layer_forward(DecoderLayer& layer, int64_t index, const Tensor& h, const Tensor& positions,
                       const ForwardOptions& options);
  // RMSNorm with `weight`, or (1 + weight) where config.norm_adds_one, then the norm hooks.
  Tensor norm(const Tensor& x, const Tensor& weight, const ForwardContext& ctx) const;
  Tensor mlp(DecoderLayer& layer, const Tensor& x, const ForwardContext& ctx) const;
  // Grows rope_ (doubling, capped at max_position_embeddings) to cover positions [0, count).
  void ensure_rope_positions(int64_t count);

  // A norm's output after the hooks' norm_output; the keys and values after their kv_prefix.
  Tensor after_norm_hooks(const Tensor& weight, Tensor out, const ForwardContext& ctx) const;
  std::pair<Tensor, Tensor> with_kv_prefixes(int64_t layer, Tensor k, Tensor v, const ForwardOptions& options) const;

  DecoderConfig config_;
  std::vector<std::shared_ptr<BlockHook>> hooks_;
  Tensor embed_tokens_;  // model.embed_tokens.weight [V, D]
  std::vector<DecoderLayer> layers_;
  Tensor norm_;          // model.norm.weight
  Tensor lm_head_;       // lm_head.weight (undefined when tied)
  std::shared_ptr<const RopeTable> rope_;
  std::shared_ptr<const RopeTable> sliding_rope_;  // sliding layers' own RoPE (config.sliding_rope), or null
  Tensor one_;  // the 1 of (1 + weight) norms
};

// Labels for next-token prediction: out[b, t] = labels[b, t + 1], the last position -100.
Tensor shift_labels(const Tensor& labels);

}  // namespace hone
