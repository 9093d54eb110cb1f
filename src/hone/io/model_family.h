// The model families hone runs, one row each, as llama.cpp's llama-arch.cpp lists its
// architectures: the config.json model_type and class name, the GGUF architecture, transformers'
// defaults, and the options that make the family a variant of hone's one decoder (bias policy,
// sliding-window layout, q/k permutation for GGUF, tensor names). Code elsewhere asks the row
// (`family.bias == BiasPolicy::kQkv`), never the name: adding a family is adding a row here.
// Lives in io/ because config.json and GGUF reading (io/) need it, and model/ sits below io/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hone {

// Which attention projections carry a bias.
enum class BiasPolicy {
  kNone,           // none, whatever the config says (Mistral: attention_bias is not read)
  kQkv,            // q/k/v always, o never (Qwen2)
  kAttentionBias,  // config.json's attention_bias puts one on q/k/v/o (Llama)
};

// Which layers use config.json's sliding_window.
enum class SlidingPolicy {
  kNone,                  // no layer (Llama)
  kEveryLayer,            // every layer when sliding_window is not null (Mistral)
  kFromMaxWindowLayers,   // with use_sliding_window, layers from max_window_layers on, or as layer_types says (Qwen2)
  kPattern,               // all but every sliding_window_pattern-th layer, or as layer_types says (Gemma 3)
};

// An HF module path inside a layer and its GGUF name: "self_attn.q_proj" <-> "attn_q".
struct TensorNamePair {
  const char* hf;
  const char* gguf;
};

// transformers' XConfig() defaults for the keys every family has.
struct FamilyDefaults {
  int64_t vocab_size = 32000;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 11008;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 0;  // 0: as many as attention heads
  int64_t head_dim = 0;             // 0: hidden_size / num_attention_heads (Qwen3 has its own)
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  std::optional<int64_t> bos_token_id, eos_token_id, pad_token_id;
  bool tie_word_embeddings = false;
  const char* hidden_act = "silu";
  std::optional<int64_t> sliding_window;
  int64_t max_window_layers = 0;
  int64_t sliding_window_pattern = 0;   // kPattern
  double query_pre_attn_scalar = 0;     // scales_by_query_pre_attn_scalar
  double rope_local_base_freq = 0;      // sliding_layers_own_rope
};

// Fields after `sliding` default to "as Llama": a row names only what differs.
struct ModelFamily {
  const char* model_type;         // config.json's model_type
  const char* architecture;       // config.json's architectures[0] when hone writes one
  const char* gguf_architecture;  // general.architecture of its GGUF (Mistral converts as "llama")
  // Whether a GGUF of gguf_architecture loads as this family (false where another family owns
  // the name: a Mistral GGUF is a llama GGUF).
  bool owns_gguf_architecture;
  // llama.cpp's "llama" architecture uses interleaved RoPE: q/k rows are permuted in the file.
  bool gguf_permutes_qk;
  BiasPolicy bias;
  SlidingPolicy sliding;
  // LlamaConfig's mlp_bias and pretraining_tp, refused when they would change the result.
  bool reads_llama_mlp_keys = false;
  // A per-head RMSNorm of q and k (self_attn.q_norm / k_norm, [head_dim]) before RoPE (Qwen3).
  bool qk_norm = false;
  const char* activation_key = "hidden_act";  // the config.json key naming the MLP activation
  // Gemma 3's block: RMSNorm weights act as (1 + w) (computed in f32); the attention and MLP
  // outputs are normalised too (post_attention_layernorm, then pre_/post_feedforward_layernorm
  // around the MLP); embeddings are scaled by sqrt(hidden_size); attention scores by
  // query_pre_attn_scalar^-0.5; sliding layers rotate with rope_local_base_freq and no scaling.
  bool norm_adds_one = false;
  bool sandwich_norms = false;
  bool scale_embeddings = false;
  bool scales_by_query_pre_attn_scalar = false;
  bool sliding_layers_own_rope = false;
  // final_logit_softcapping / attn_logit_softcapping / use_bidirectional_attention exist and are
  // refused unless null / false (hone implements neither).
  bool softcapping_keys = false;
  // GGUF: what llama.cpp's converter adds to every "*norm.weight" (Gemma 3: 1, the (1 + w) folded
  // in), and what llama.cpp fixes rather than reads: the period of its sliding-window layout and
  // the sliding layers' RoPE base (0 where the architecture has none).
  double gguf_norm_shift = 0;
  int64_t gguf_sliding_period = 0;
  double gguf_sliding_rope_base = 0;
  FamilyDefaults defaults;
  std::span<const TensorNamePair> layer_tensors;  // per-layer modules, HF <-> GGUF
};

// Every row, in the order the table lists them.
std::span<const ModelFamily> model_families();
// The row for a config.json model_type, or null.
const ModelFamily* find_model_family(std::string_view model_type);
// The row for model_type; an Error naming the supported ones otherwise.
const ModelFamily& model_family(std::string_view model_type);
// The row a GGUF general.architecture loads as, or null.
const ModelFamily* find_gguf_family(std::string_view gguf_architecture);
// "llama, mistral and qwen2": the supported model_types (or GGUF architectures), for messages.
std::string supported_model_types();
std::string supported_gguf_architectures();

// Non-layer tensors, the same in every family: embeddings, final norm, lm_head.
std::span<const TensorNamePair> global_tensor_names();

}  // namespace hone
