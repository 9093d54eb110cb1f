#include "hone/io/model_family.h"

#include <vector>

#include "hone/util/error.h"

namespace hone {

namespace {

// Per-layer modules of a Llama-style block (gguf-py tensor_mapping.py; Qwen2 names them alike).
constexpr TensorNamePair kLlamaLayer[] = {
    {"input_layernorm", "attn_norm"},         {"self_attn.q_proj", "attn_q"}, {"self_attn.k_proj", "attn_k"},
    {"self_attn.v_proj", "attn_v"},           {"self_attn.o_proj", "attn_output"},
    {"post_attention_layernorm", "ffn_norm"}, {"mlp.gate_proj", "ffn_gate"}, {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"},
};

// Qwen3 adds the per-head q/k norms (llama.cpp's attn_q_norm / attn_k_norm).
constexpr TensorNamePair kQwen3Layer[] = {
    {"input_layernorm", "attn_norm"},         {"self_attn.q_proj", "attn_q"}, {"self_attn.k_proj", "attn_k"},
    {"self_attn.v_proj", "attn_v"},           {"self_attn.o_proj", "attn_output"},
    {"self_attn.q_norm", "attn_q_norm"},      {"self_attn.k_norm", "attn_k_norm"},
    {"post_attention_layernorm", "ffn_norm"}, {"mlp.gate_proj", "ffn_gate"}, {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"},
};

// Gemma 3's four norms per block: llama.cpp calls the attention output's norm post_attention_norm
// and the MLP's ffn_norm (before) and post_ffw_norm (after).
constexpr TensorNamePair kGemma3Layer[] = {
    {"input_layernorm", "attn_norm"},
    {"self_attn.q_proj", "attn_q"},
    {"self_attn.k_proj", "attn_k"},
    {"self_attn.v_proj", "attn_v"},
    {"self_attn.o_proj", "attn_output"},
    {"self_attn.q_norm", "attn_q_norm"},
    {"self_attn.k_norm", "attn_k_norm"},
    {"post_attention_layernorm", "post_attention_norm"},
    {"pre_feedforward_layernorm", "ffn_norm"},
    {"post_feedforward_layernorm", "post_ffw_norm"},
    {"mlp.gate_proj", "ffn_gate"},
    {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"},
};

constexpr TensorNamePair kGlobal[] = {
    {"model.embed_tokens", "token_embd"},
    {"model.norm", "output_norm"},
    {"lm_head", "output"},
};

// Defaults as transformers' LlamaConfig(), MistralConfig(), Qwen2Config() set them.
FamilyDefaults llama_defaults() {
  FamilyDefaults d;
  d.bos_token_id = 1;
  d.eos_token_id = 2;
  return d;
}

FamilyDefaults mistral_defaults() {
  FamilyDefaults d;
  d.intermediate_size = 14336;
  d.num_key_value_heads = 8;
  d.max_position_embeddings = 4096 * 32;
  d.bos_token_id = 1;
  d.eos_token_id = 2;
  d.sliding_window = 4096;
  return d;
}

FamilyDefaults qwen2_defaults() {
  FamilyDefaults d;
  d.vocab_size = 151936;
  d.intermediate_size = 22016;
  d.num_key_value_heads = 32;
  d.max_position_embeddings = 32768;
  d.sliding_window = 4096;
  d.max_window_layers = 28;
  return d;
}

// Qwen3Config(): Qwen2's sizes with an explicit head_dim of 128.
FamilyDefaults qwen3_defaults() {
  FamilyDefaults d = qwen2_defaults();
  d.head_dim = 128;
  return d;
}

// Gemma3TextConfig(): the text model of Gemma 3 (model_type gemma3_text).
FamilyDefaults gemma3_defaults() {
  FamilyDefaults d;
  d.vocab_size = 262208;
  d.hidden_size = 2304;
  d.intermediate_size = 9216;
  d.num_hidden_layers = 26;
  d.num_attention_heads = 8;
  d.num_key_value_heads = 4;
  d.head_dim = 256;
  d.max_position_embeddings = 131072;
  d.rope_theta = 1000000.0;
  d.bos_token_id = 2;
  d.eos_token_id = 1;
  d.pad_token_id = 0;
  d.tie_word_embeddings = true;
  d.hidden_act = "gelu_pytorch_tanh";
  d.sliding_window = 4096;
  d.sliding_window_pattern = 6;
  d.query_pre_attn_scalar = 256;
  d.rope_local_base_freq = 10000.0;
  return d;
}

const std::vector<ModelFamily>& table() {
  static const std::vector<ModelFamily> rows = {
      {.model_type = "llama",
       .architecture = "LlamaForCausalLM",
       .gguf_architecture = "llama",
       .owns_gguf_architecture = true,
       .gguf_permutes_qk = true,
       .bias = BiasPolicy::kAttentionBias,
       .sliding = SlidingPolicy::kNone,
       .reads_llama_mlp_keys = true,
       .defaults = llama_defaults(),
       .layer_tensors = kLlamaLayer},
      {.model_type = "mistral",
       .architecture = "MistralForCausalLM",
       .gguf_architecture = "llama",  // as convert_hf_to_gguf.py converts it
       .owns_gguf_architecture = false,
       .gguf_permutes_qk = true,
       .bias = BiasPolicy::kNone,
       .sliding = SlidingPolicy::kEveryLayer,
       .defaults = mistral_defaults(),
       .layer_tensors = kLlamaLayer},
      {.model_type = "qwen2",
       .architecture = "Qwen2ForCausalLM",
       .gguf_architecture = "qwen2",
       .owns_gguf_architecture = true,
       .gguf_permutes_qk = false,  // rotate-half ("neox") RoPE in llama.cpp too
       .bias = BiasPolicy::kQkv,
       .sliding = SlidingPolicy::kFromMaxWindowLayers,
       .defaults = qwen2_defaults(),
       .layer_tensors = kLlamaLayer},
      {.model_type = "qwen3",
       .architecture = "Qwen3ForCausalLM",
       .gguf_architecture = "qwen3",
       .owns_gguf_architecture = true,
       .gguf_permutes_qk = false,
       .bias = BiasPolicy::kAttentionBias,  // Qwen3Config's attention_bias (false in released models)
       .sliding = SlidingPolicy::kFromMaxWindowLayers,
       .qk_norm = true,
       .defaults = qwen3_defaults(),
       .layer_tensors = kQwen3Layer},
      {.model_type = "gemma3_text",
       .architecture = "Gemma3ForCausalLM",
       .gguf_architecture = "gemma3",
       .owns_gguf_architecture = true,
       .gguf_permutes_qk = false,
       .bias = BiasPolicy::kAttentionBias,
       .sliding = SlidingPolicy::kPattern,
       .qk_norm = true,
       .activation_key = "hidden_activation",
       .norm_adds_one = true,
       .sandwich_norms = true,
       .scale_embeddings = true,
       .scales_by_query_pre_attn_scalar = true,
       .sliding_layers_own_rope = true,
       .softcapping_keys = true,
       .gguf_norm_shift = 1.0,  // convert_hf_to_gguf.py's Gemma3Model.norm_shift
       .gguf_sliding_period = 6,  // llama.cpp's set_swa_pattern(6) for LLM_ARCH_GEMMA3
       .gguf_sliding_rope_base = 10000.0,  // its rope_freq_base_train_swa
       .defaults = gemma3_defaults(),
       .layer_tensors = kGemma3Layer},
  };
  return rows;
}

// "a", "a and b", "a, b and c".
std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

std::span<const ModelFamily> model_families() { return table(); }

const ModelFamily* find_model_family(std::string_view model_type) {
  for (const ModelFamily& f : table())
    if (model_type == f.model_type) return &f;
  return nullptr;
}

const ModelFamily& model_family(std::string_view model_type) {
  const ModelFamily* f = find_model_family(model_type);
  HONE_CHECK(f, "model_type '", model_type, "' is not supported (hone implements ", supported_model_types(), ")");
  return *f;
}

const ModelFamily* find_gguf_family(std::string_view gguf_architecture) {
  for (const ModelFamily& f : table())
    if (f.owns_gguf_architecture && gguf_architecture == f.gguf_architecture) return &f;
  return nullptr;
}

std::string supported_model_types() {
  std::vector<std::string> names;
  for (const ModelFamily& f : table()) names.push_back(f.model_type);
  return join_names(names);
}

std::string supported_gguf_architectures() {
  std::vector<std::string> names;
  for (const ModelFamily& f : table())
    if (f.owns_gguf_architecture) names.push_back(f.gguf_architecture);
  return join_names(names);
}

std::span<const TensorNamePair> global_tensor_names() { return kGlobal; }

}  // namespace hone
