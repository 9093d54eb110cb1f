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
       .qk_norm = false,
       .defaults = llama_defaults(),
       .layer_tensors = kLlamaLayer},
      {.model_type = "mistral",
       .architecture = "MistralForCausalLM",
       .gguf_architecture = "llama",  // as convert_hf_to_gguf.py converts it
       .owns_gguf_architecture = false,
       .gguf_permutes_qk = true,
       .bias = BiasPolicy::kNone,
       .sliding = SlidingPolicy::kEveryLayer,
       .reads_llama_mlp_keys = false,
       .qk_norm = false,
       .defaults = mistral_defaults(),
       .layer_tensors = kLlamaLayer},
      {.model_type = "qwen2",
       .architecture = "Qwen2ForCausalLM",
       .gguf_architecture = "qwen2",
       .owns_gguf_architecture = true,
       .gguf_permutes_qk = false,  // rotate-half ("neox") RoPE in llama.cpp too
       .bias = BiasPolicy::kQkv,
       .sliding = SlidingPolicy::kFromMaxWindowLayers,
       .reads_llama_mlp_keys = false,
       .qk_norm = false,
       .defaults = qwen2_defaults(),
       .layer_tensors = kLlamaLayer},
      {.model_type = "qwen3",
       .architecture = "Qwen3ForCausalLM",
       .gguf_architecture = "qwen3",
       .owns_gguf_architecture = true,
       .gguf_permutes_qk = false,
       .bias = BiasPolicy::kAttentionBias,  // Qwen3Config's attention_bias (false in released models)
       .sliding = SlidingPolicy::kFromMaxWindowLayers,
       .reads_llama_mlp_keys = false,
       .qk_norm = true,
       .defaults = qwen3_defaults(),
       .layer_tensors = kQwen3Layer},
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
