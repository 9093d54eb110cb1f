// A Hugging Face config.json for the decoder families hone runs (the rows of model_family.h),
// read into ModelConfig with transformers' own defaults, and written back for merged or
// exported models. The model layer builds its decoder from this struct alone.
//
// Key policy, so that nothing that changes the numbers is silently dropped:
//  - keys hone implements are read, type-checked and validated;
//  - keys known not to change the computation (use_cache, transformers_version,
//    initializer_range, architectures, generation settings, ...) are ignored;
//  - a key whose value would change the result in a way hone does not implement is an Error
//    naming the key and the value: an unknown model_type, hidden_act other than silu, a
//    rope_scaling type other than default/linear/llama3, mlp_bias true (llama),
//    pretraining_tp > 1 (llama), partial_rotary_factor != 1, quantization_config (pre-quantized
//    weights), and attention_dropout > 0 (it only acts in training, but hone's attention has no
//    dropout and a run that silently trained without it would not be the run the config asks for;
//    set it to 0.0 to proceed);
//  - any other key is recorded in ModelConfig::unused_keys (shown by `hone inspect`) and otherwise
//    ignored, as transformers does: config files routinely carry keys from newer transformers
//    versions and other tools, and refusing them would reject good checkpoints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hone/io/model_family.h"

namespace hone {

// Named Hf* because tensor/kernels_rope.h owns RopeScaling, the kernel's view of the same
// settings; model/hf_model.cpp maps one onto the other.
enum class HfRopeScalingType { kDefault, kLinear, kLlama3 };

// rope_scaling (or transformers 5's rope_parameters). Linear divides positions by `factor`;
// llama3 rescales frequencies band by band as in transformers' _compute_llama3_parameters.
struct HfRopeScaling {
  HfRopeScalingType type = HfRopeScalingType::kDefault;
  double factor = 1.0;                               // linear, llama3
  double low_freq_factor = 1.0;                      // llama3
  double high_freq_factor = 4.0;                     // llama3
  int64_t original_max_position_embeddings = 0;      // llama3
  bool operator==(const HfRopeScaling&) const = default;
};

struct ModelConfig {
  std::string model_type;  // a row of model_family.h: "llama", "mistral", "qwen2", ...
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;  // == heads: MHA; 1: MQA; between: GQA
  int64_t head_dim = 0;             // config's head_dim, else hidden_size / num_attention_heads
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  HfRopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  // The MLP's activation under the family's activation_key (hidden_act; Gemma: hidden_activation):
  // "silu" (or its alias "swish") for SwiGLU, "gelu_pytorch_tanh" for GeGLU with tanh GELU.
  std::string hidden_act = "silu";
  // Read where the family's BiasPolicy is kAttentionBias (llama): q/k/v/o all carry a bias when
  // true. qwen2 always has q/k/v bias and no o bias; mistral has none (use the accessors below).
  bool attention_bias = false;
  std::vector<int64_t> bos_token_ids;  // config value as a list: an int gives one, null none
  std::vector<int64_t> eos_token_ids;
  std::optional<int64_t> pad_token_id;
  std::string torch_dtype;  // "bfloat16", "float32", ... or empty when not given

  // Sliding-window attention. mistral: every layer uses sliding_window when it is set (default
  // 4096, null disables). qwen2: only when use_sliding_window, and then layers from
  // max_window_layers on (or as layer_types says). The model layer refuses sequences longer
  // than an active window rather than computing something else.
  std::optional<int64_t> sliding_window;
  bool use_sliding_window = false;  // qwen2's switch; for mistral, whether sliding_window is set
  int64_t max_window_layers = 0;    // qwen2
  std::vector<bool> sliding_layers;  // resolved per layer: true = uses sliding_window
  int64_t sliding_window_pattern = 0;  // gemma3: every pattern-th layer is full attention

  // Gemma 3 (read where the family's row says so, else 0 / unset).
  double query_pre_attn_scalar = 0;             // attention scores scaled by its ^-0.5
  std::optional<double> rope_local_base_freq;   // RoPE base of the sliding layers (no rope_scaling there)

  // Keys present in the file that hone neither reads nor knows to be inert (see the policy above).
  std::vector<std::string> unused_keys;

  // The family's row (an Error for a model_type no row has).
  const ModelFamily& family() const { return model_family(model_type); }
  bool qkv_bias() const;
  bool o_proj_bias() const;
  // The window layer `layer` attends within, or nullopt for full attention.
  std::optional<int64_t> sliding_window_for_layer(int64_t layer) const;

  bool operator==(const ModelConfig&) const = default;
};

// transformers' defaults for a model_type (LlamaConfig(), MistralConfig(), ...): the row's
// FamilyDefaults. An Error naming the supported model_types for any other.
ModelConfig default_model_config(const std::string& model_type);

// Parses config.json text; `source` (the file name) starts every error message.
ModelConfig parse_model_config(const std::string& json_text, const std::string& source);
// Reads `path`: a config.json file, or a model folder holding one.
ModelConfig load_model_config(const std::string& path);

// config.json text that transformers and hone both read back as `config` (every field written
// explicitly, so a reader's defaults never matter).
std::string model_config_to_json(const ModelConfig& config);
// Writes model_config_to_json(config) to `path` atomically.
void save_model_config(const std::string& path, const ModelConfig& config);

}  // namespace hone
