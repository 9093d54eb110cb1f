// What turns a GGUF file into a Llama-family model and back: the metadata keys llama.cpp uses,
// the mapping between Hugging Face and GGUF tensor names, ModelConfig <-> {arch}.* metadata, and
// the q/k row permutation between Hugging Face's rotate-half RoPE layout and the interleaved
// layout llama.cpp's "llama" architecture expects (convert_hf_to_gguf.py's permute).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hone/io/gguf_file.h"
#include "hone/io/gguf_value.h"
#include "hone/io/hf_config.h"
#include "hone/io/model_family.h"
#include "hone/tensor/tensor.h"

namespace hone {

// Metadata keys (gguf-py constants.py). The {arch}.* keys take the architecture as a prefix:
// gguf_arch_key("llama", kGgufBlockCount) == "llama.block_count".
namespace gguf_key {
inline constexpr const char* kArchitecture = "general.architecture";
inline constexpr const char* kName = "general.name";
inline constexpr const char* kFileType = "general.file_type";
inline constexpr const char* kQuantizationVersion = "general.quantization_version";
inline constexpr const char* kAlignment = "general.alignment";

inline constexpr const char* kContextLength = "context_length";
inline constexpr const char* kEmbeddingLength = "embedding_length";
inline constexpr const char* kBlockCount = "block_count";
inline constexpr const char* kFeedForwardLength = "feed_forward_length";
inline constexpr const char* kHeadCount = "attention.head_count";
inline constexpr const char* kHeadCountKv = "attention.head_count_kv";
inline constexpr const char* kRmsEpsilon = "attention.layer_norm_rms_epsilon";
inline constexpr const char* kKeyLength = "attention.key_length";
inline constexpr const char* kValueLength = "attention.value_length";
inline constexpr const char* kRopeDimensionCount = "rope.dimension_count";
inline constexpr const char* kRopeFreqBase = "rope.freq_base";
inline constexpr const char* kRopeScalingType = "rope.scaling.type";
inline constexpr const char* kRopeScalingFactor = "rope.scaling.factor";
inline constexpr const char* kRopeScalingOriginalContext = "rope.scaling.original_context_length";
inline constexpr const char* kVocabSize = "vocab_size";
inline constexpr const char* kSlidingWindow = "attention.sliding_window";
inline constexpr const char* kFinalLogitSoftcapping = "final_logit_softcapping";

inline constexpr const char* kTokenizerModel = "tokenizer.ggml.model";  // "llama" (SPM) or "gpt2" (BPE)
inline constexpr const char* kTokenizerPre = "tokenizer.ggml.pre";
inline constexpr const char* kTokens = "tokenizer.ggml.tokens";
inline constexpr const char* kScores = "tokenizer.ggml.scores";
inline constexpr const char* kTokenType = "tokenizer.ggml.token_type";  // 1 normal .. 6 byte
inline constexpr const char* kMerges = "tokenizer.ggml.merges";
inline constexpr const char* kBosTokenId = "tokenizer.ggml.bos_token_id";
inline constexpr const char* kEosTokenId = "tokenizer.ggml.eos_token_id";
inline constexpr const char* kUnknownTokenId = "tokenizer.ggml.unknown_token_id";
inline constexpr const char* kPaddingTokenId = "tokenizer.ggml.padding_token_id";
inline constexpr const char* kEotTokenId = "tokenizer.ggml.eot_token_id";
inline constexpr const char* kAddBosToken = "tokenizer.ggml.add_bos_token";
inline constexpr const char* kAddEosToken = "tokenizer.ggml.add_eos_token";
inline constexpr const char* kChatTemplate = "tokenizer.chat_template";
}  // namespace gguf_key

inline std::string gguf_arch_key(const std::string& arch, const char* key) { return arch + "." + key; }

// llama.cpp's general.file_type (llama_ftype) for a file whose large tensors are `dtype`:
// f32 0, f16 1, q4_0 2, q8_0 7, q6_k 18, q4_k 15 (Q4_K_M), bf16 32.
uint32_t llama_file_type_for(DType dtype);

// Tensor names: "model.layers.3.self_attn.q_proj.weight" <-> "blk.3.attn_q.weight", plus the
// embedding, final norm and lm_head, as the family's row maps them (by default the first row's,
// the Llama layout). nullopt for a name with no counterpart (rope_freqs.weight).
std::optional<std::string> gguf_tensor_name_from_hf(const std::string& hf_name,
                                                    const ModelFamily& family = model_families().front());
std::optional<std::string> hf_tensor_name_from_gguf(const std::string& gguf_name,
                                                    const ModelFamily& family = model_families().front());

// The q_proj / k_proj row permutation. Rows are grouped by head (n_heads: the attention heads
// for q, the key/value heads for k); within a head of d rows, Hugging Face keeps the rotated
// pairs (i, i + d/2) apart and GGUF stores them side by side (2i, 2i+1):
//   gguf row h*d + 2i + j  =  hf row h*d + j*d/2 + i      (j in {0, 1}, i < d/2)
// Works on any dtype (rows are moved whole: a weight, a bias, or a LoRA B matrix).
Tensor permute_qk_for_gguf(const Tensor& hf_rows, int64_t n_heads);
// The inverse: GGUF rows back to Hugging Face's order (used when loading a llama GGUF).
Tensor unpermute_qk_from_gguf(const Tensor& gguf_rows, int64_t n_heads);
// Whether a model_type's GGUF architecture stores q/k permuted (its row's gguf_permutes_qk):
// llama (and mistral, exported as llama) do; qwen2 uses the rotate-half ("neox") layout.
bool gguf_permutes_qk(const std::string& model_type);

// The decoder options from a GGUF file: {arch}.* metadata (a general.architecture some row of
// model_family.h owns), tokenizer ids, and from the tensor list the vocabulary size when no key gives it and
// whether the embeddings are tied (no output.weight). Errors name the file and the key.
ModelConfig model_config_from_gguf(const GgufFile& file);
// The inverse: general.architecture, {arch}.* and the bos/eos ids for `config`. Errors for what
// GGUF metadata cannot express (an active sliding window, llama3 RoPE scaling for now).
void add_model_config_metadata(GgufMetadata& metadata, const ModelConfig& config);

// llama.cpp stores no query_pre_attn_scalar for gemma3: it scales by head_dim^-0.5, or for the
// 62-layer (27B) model by (hidden_size / heads)^-0.5 (llama-model.cpp, LLM_ARCH_GEMMA3).
double llama_cpp_query_pre_attn_scalar(const ModelConfig& config);

}  // namespace hone
