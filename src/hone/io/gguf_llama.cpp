#include "hone/io/gguf_llama.h"

#include <cstring>
#include <limits>
#include <string_view>

#include "hone/util/error.h"

namespace hone {

namespace {

// Splits "<module>.weight" / "<module>.bias"; false for any other suffix.
bool split_parameter(const std::string& name, std::string& module, std::string& suffix) {
  for (const char* s : {".weight", ".bias"}) {
    const size_t n = std::strlen(s);
    if (name.size() > n && name.compare(name.size() - n, n, s) == 0) {
      module = name.substr(0, name.size() - n);
      suffix = s;
      return true;
    }
  }
  return false;
}

// "<prefix><layer>.<rest>" -> layer, rest; false when the name does not have that form.
bool split_layer(const std::string& module, std::string_view prefix, std::string& layer, std::string& rest) {
  if (module.compare(0, prefix.size(), prefix) != 0) return false;
  size_t i = prefix.size();
  const size_t digits = i;
  while (i < module.size() && module[i] >= '0' && module[i] <= '9') ++i;
  if (i == digits || i - digits > 9 || i >= module.size() || module[i] != '.') return false;
  layer = module.substr(digits, i - digits);
  rest = module.substr(i + 1);
  return true;
}

uint32_t as_u32(int64_t value, const char* what) {
  HONE_CHECK(value >= 0 && value <= int64_t(std::numeric_limits<uint32_t>::max()), what, " = ", value,
             " does not fit GGUF's u32");
  return uint32_t(value);
}

// Shared by permute and unpermute: out row `to(h, i, j)` takes in row `from(h, i, j)`.
Tensor move_rows(const Tensor& w, int64_t n_heads, bool to_gguf) {
  HONE_CHECK(w.rank() >= 1, "q/k permutation needs rows, got ", describe(w));
  HONE_CHECK(!is_quantized(w.dtype()) || w.rank() >= 2, "q/k permutation of ", describe(w),
             ": a block-quantized tensor needs whole rows");
  const int64_t rows = w.dim(0);
  HONE_CHECK(n_heads > 0 && rows % n_heads == 0 && (rows / n_heads) % 2 == 0, "q/k permutation of ", describe(w),
             ": ", rows, " rows do not split into ", n_heads, " heads of an even size");
  const int64_t head_rows = rows / n_heads, half = head_rows / 2;
  const size_t row_bytes = w.nbytes() / size_t(rows);
  Tensor out = Tensor::empty(w.shape(), w.dtype());
  const auto* src = static_cast<const unsigned char*>(w.raw());
  auto* dst = static_cast<unsigned char*>(out.raw());
  for (int64_t h = 0; h < n_heads; ++h) {
    for (int64_t i = 0; i < half; ++i) {
      for (int64_t j = 0; j < 2; ++j) {
        const int64_t interleaved = h * head_rows + 2 * i + j;
        const int64_t split = h * head_rows + j * half + i;
        const int64_t to = to_gguf ? interleaved : split, from = to_gguf ? split : interleaved;
        std::memcpy(dst + size_t(to) * row_bytes, src + size_t(from) * row_bytes, row_bytes);
      }
    }
  }
  if (!w.name().empty()) out.set_name(w.name());
  return out;
}

}  // namespace

uint32_t llama_file_type_for(DType dtype) {
  switch (dtype) {
    case DType::F32: return 0;
    case DType::F16: return 1;
    case DType::Q4_0: return 2;
    case DType::Q8_0: return 7;
    case DType::Q4_K: return 15;
    case DType::Q6_K: return 18;
    case DType::BF16: return 32;
    default: HONE_FAIL("llama.cpp has no file type for ", dtype_name(dtype), " models");
  }
}

std::optional<std::string> gguf_tensor_name_from_hf(const std::string& hf_name, const ModelFamily& family) {
  std::string module, suffix, layer, rest;
  if (!split_parameter(hf_name, module, suffix)) return std::nullopt;
  for (const auto& p : global_tensor_names())
    if (module == p.hf) return std::string(p.gguf) + suffix;
  if (!split_layer(module, "model.layers.", layer, rest)) return std::nullopt;
  for (const auto& p : family.layer_tensors)
    if (rest == p.hf) return "blk." + layer + "." + p.gguf + suffix;
  return std::nullopt;
}

std::optional<std::string> hf_tensor_name_from_gguf(const std::string& gguf_name, const ModelFamily& family) {
  std::string module, suffix, layer, rest;
  if (!split_parameter(gguf_name, module, suffix)) return std::nullopt;
  for (const auto& p : global_tensor_names())
    if (module == p.gguf) return std::string(p.hf) + suffix;
  if (!split_layer(module, "blk.", layer, rest)) return std::nullopt;
  for (const auto& p : family.layer_tensors)
    if (rest == p.gguf) return "model.layers." + layer + "." + p.hf + suffix;
  return std::nullopt;
}

double llama_cpp_query_pre_attn_scalar(const ModelConfig& c) {
  return c.num_hidden_layers == 62 ? double(c.hidden_size / c.num_attention_heads) : double(c.head_dim);
}

Tensor permute_qk_for_gguf(const Tensor& hf_rows, int64_t n_heads) { return move_rows(hf_rows, n_heads, true); }

Tensor unpermute_qk_from_gguf(const Tensor& gguf_rows, int64_t n_heads) {
  return move_rows(gguf_rows, n_heads, false);
}

bool gguf_permutes_qk(const std::string& model_type) {
  const ModelFamily* f = find_model_family(model_type);
  return f && f->gguf_permutes_qk;
}

ModelConfig model_config_from_gguf(const GgufFile& file) {
  const GgufMetadata& m = file.metadata();
  const std::string arch = m.get_string(gguf_key::kArchitecture);
  const ModelFamily* family = find_gguf_family(arch);
  HONE_CHECK(family, file.source(), ": general.architecture ", quoted_for_message(arch),
             " is not supported (hone reads ", supported_gguf_architectures(), ")");
  auto key = [&](const char* k) { return gguf_arch_key(arch, k); };
  auto count = [&](const char* k) {
    const uint64_t v = m.get_uint(key(k));
    HONE_CHECK(v > 0 && v <= (uint64_t(1) << 31), file.source(), ": metadata key '", key(k), "' = ", v,
               " is out of range");
    return int64_t(v);
  };

  ModelConfig c = default_model_config(family->model_type);
  c.hidden_size = count(gguf_key::kEmbeddingLength);
  c.intermediate_size = count(gguf_key::kFeedForwardLength);
  c.num_hidden_layers = count(gguf_key::kBlockCount);
  c.num_attention_heads = count(gguf_key::kHeadCount);
  c.num_key_value_heads = m.contains(key(gguf_key::kHeadCountKv)) ? count(gguf_key::kHeadCountKv)
                                                                  : c.num_attention_heads;
  c.max_position_embeddings = count(gguf_key::kContextLength);
  c.rms_norm_eps = m.get_float(key(gguf_key::kRmsEpsilon));
  c.rope_theta = m.get_float_or(key(gguf_key::kRopeFreqBase), 10000.0);
  c.head_dim = m.contains(key(gguf_key::kKeyLength)) ? count(gguf_key::kKeyLength)
                                                     : c.hidden_size / c.num_attention_heads;
  if (m.contains(key(gguf_key::kValueLength)))
    HONE_CHECK(count(gguf_key::kValueLength) == c.head_dim, file.source(), ": ", key(gguf_key::kValueLength),
               " differs from the key length ", c.head_dim, " (hone's attention needs them equal)");
  if (m.contains(key(gguf_key::kRopeDimensionCount)))
    HONE_CHECK(count(gguf_key::kRopeDimensionCount) == c.head_dim, file.source(), ": ",
               key(gguf_key::kRopeDimensionCount), " = ", m.get_uint(key(gguf_key::kRopeDimensionCount)),
               " rotates part of a head of ", c.head_dim, " (partial rotary embeddings are not supported)");

  const std::string scaling = m.get_string_or(key(gguf_key::kRopeScalingType), "none");
  if (scaling == "linear") {
    c.rope_scaling.type = HfRopeScalingType::kLinear;
    c.rope_scaling.factor = m.get_float(key(gguf_key::kRopeScalingFactor));
  } else {
    HONE_CHECK(scaling == "none", file.source(), ": ", key(gguf_key::kRopeScalingType), " ",
               quoted_for_message(scaling), " is not supported (none or linear)");
  }
  HONE_CHECK(!file.contains("rope_freqs.weight"), file.source(),
             ": rope_freqs.weight (Llama 3.1-style RoPE frequency factors) is not supported yet");

  if (m.contains(key(gguf_key::kVocabSize))) {
    c.vocab_size = count(gguf_key::kVocabSize);
  } else if (m.contains(gguf_key::kTokens)) {
    c.vocab_size = int64_t(m.at(gguf_key::kTokens).as_array().items.size());
  } else {
    HONE_CHECK(file.contains("token_embd.weight"), file.source(), ": no ", key(gguf_key::kVocabSize), ", no ",
               gguf_key::kTokens, " and no token_embd.weight: the vocabulary size is unknown");
    c.vocab_size = file.info("token_embd.weight").shape[0];
  }
  c.tie_word_embeddings = !file.contains("output.weight");
  c.attention_bias = family->bias == BiasPolicy::kAttentionBias && file.contains("blk.0.attn_q.bias");
  c.bos_token_ids.clear();
  c.eos_token_ids.clear();
  if (m.contains(gguf_key::kBosTokenId)) c.bos_token_ids = {int64_t(m.get_uint(gguf_key::kBosTokenId))};
  if (m.contains(gguf_key::kEosTokenId)) c.eos_token_ids = {int64_t(m.get_uint(gguf_key::kEosTokenId))};
  if (m.contains(gguf_key::kPaddingTokenId)) c.pad_token_id = int64_t(m.get_uint(gguf_key::kPaddingTokenId));
  // Only an architecture with a fixed sliding layout (gemma3) has a sliding-window key; the
  // others' attention is full.
  c.sliding_window.reset();
  c.use_sliding_window = false;
  c.max_window_layers = 0;
  c.sliding_layers.assign(size_t(c.num_hidden_layers), false);
  if (family->gguf_sliding_period > 0 && m.contains(key(gguf_key::kSlidingWindow))) {
    c.sliding_window = count(gguf_key::kSlidingWindow);
    c.use_sliding_window = true;
    c.sliding_window_pattern = family->gguf_sliding_period;
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) c.sliding_layers[size_t(i)] = (i + 1) % c.sliding_window_pattern != 0;
  }
  if (family->sliding_layers_own_rope) c.rope_local_base_freq = family->gguf_sliding_rope_base;
  if (family->scales_by_query_pre_attn_scalar) c.query_pre_attn_scalar = llama_cpp_query_pre_attn_scalar(c);
  HONE_CHECK(!m.contains(key(gguf_key::kFinalLogitSoftcapping)), file.source(), ": ",
             key(gguf_key::kFinalLogitSoftcapping), " is not supported (hone implements no logit softcapping)");
  HONE_CHECK(c.num_attention_heads % c.num_key_value_heads == 0, file.source(), ": ", c.num_attention_heads,
             " attention heads do not share ", c.num_key_value_heads, " key/value heads evenly");
  return c;
}

void add_model_config_metadata(GgufMetadata& metadata, const ModelConfig& config) {
  const ModelFamily& family = config.family();
  const std::string arch = family.gguf_architecture;
  std::optional<int64_t> gguf_window;  // written as {arch}.attention.sliding_window
  for (int64_t layer = 0; layer < config.num_hidden_layers; ++layer) {
    const auto window = config.sliding_window_for_layer(layer);
    if (family.gguf_sliding_period > 0 && config.sliding_window && config.use_sliding_window) {
      // llama.cpp fixes the layout: every period-th layer full, the others sliding.
      const bool sliding = (layer + 1) % family.gguf_sliding_period != 0;
      HONE_CHECK(window.has_value() == sliding, "layer ", layer, " is ", window ? "sliding" : "full",
                 " attention, but llama.cpp's ", arch, " makes every ", family.gguf_sliding_period,
                 "th layer full and the others sliding (layer_types / sliding_window_pattern cannot be expressed in GGUF)");
      if (window) gguf_window = window;
      continue;
    }
    HONE_CHECK(!window || *window >= config.max_position_embeddings, "sliding_window ", window.value_or(0),
               " (shorter than max_position_embeddings ", config.max_position_embeddings,
               ") cannot be expressed in GGUF ", arch, " metadata");
  }
  if (family.scales_by_query_pre_attn_scalar)
    HONE_CHECK(config.query_pre_attn_scalar == llama_cpp_query_pre_attn_scalar(config), "query_pre_attn_scalar ",
               config.query_pre_attn_scalar, " differs from the ", llama_cpp_query_pre_attn_scalar(config),
               " llama.cpp's ", arch, " assumes, which GGUF cannot express");
  if (family.sliding_layers_own_rope)
    HONE_CHECK(config.rope_local_base_freq == family.gguf_sliding_rope_base, "rope_local_base_freq ",
               config.rope_local_base_freq.value_or(0), " differs from the ", family.gguf_sliding_rope_base,
               " llama.cpp's ", arch, " assumes, which GGUF cannot express");
  HONE_CHECK(config.rope_scaling.type != HfRopeScalingType::kLlama3,
             "exporting llama3 rope_scaling to GGUF (rope_freqs.weight) is not implemented yet");
  auto key = [&](const char* k) { return gguf_arch_key(arch, k); };
  metadata.set(gguf_key::kArchitecture, GgufValue::string(arch));
  metadata.set(key(gguf_key::kContextLength), GgufValue::u32(as_u32(config.max_position_embeddings, "max_position_embeddings")));
  metadata.set(key(gguf_key::kEmbeddingLength), GgufValue::u32(as_u32(config.hidden_size, "hidden_size")));
  metadata.set(key(gguf_key::kBlockCount), GgufValue::u32(as_u32(config.num_hidden_layers, "num_hidden_layers")));
  metadata.set(key(gguf_key::kFeedForwardLength), GgufValue::u32(as_u32(config.intermediate_size, "intermediate_size")));
  metadata.set(key(gguf_key::kHeadCount), GgufValue::u32(as_u32(config.num_attention_heads, "num_attention_heads")));
  metadata.set(key(gguf_key::kHeadCountKv), GgufValue::u32(as_u32(config.num_key_value_heads, "num_key_value_heads")));
  metadata.set(key(gguf_key::kRopeFreqBase), GgufValue::f32(float(config.rope_theta)));
  metadata.set(key(gguf_key::kRmsEpsilon), GgufValue::f32(float(config.rms_norm_eps)));
  metadata.set(key(gguf_key::kRopeDimensionCount), GgufValue::u32(as_u32(config.head_dim, "head_dim")));
  if (config.head_dim * config.num_attention_heads != config.hidden_size) {
    metadata.set(key(gguf_key::kKeyLength), GgufValue::u32(as_u32(config.head_dim, "head_dim")));
    metadata.set(key(gguf_key::kValueLength), GgufValue::u32(as_u32(config.head_dim, "head_dim")));
  }
  metadata.set(key(gguf_key::kVocabSize), GgufValue::u32(as_u32(config.vocab_size, "vocab_size")));
  if (gguf_window) metadata.set(key(gguf_key::kSlidingWindow), GgufValue::u32(as_u32(*gguf_window, "sliding_window")));
  if (config.rope_scaling.type == HfRopeScalingType::kLinear) {
    metadata.set(key(gguf_key::kRopeScalingType), GgufValue::string("linear"));
    metadata.set(key(gguf_key::kRopeScalingFactor), GgufValue::f32(float(config.rope_scaling.factor)));
  }
  // GGUF holds one id each; llama.cpp takes the first of a list too.
  if (!config.bos_token_ids.empty())
    metadata.set(gguf_key::kBosTokenId, GgufValue::u32(as_u32(config.bos_token_ids[0], "bos_token_id")));
  if (!config.eos_token_ids.empty())
    metadata.set(gguf_key::kEosTokenId, GgufValue::u32(as_u32(config.eos_token_ids[0], "eos_token_id")));
  if (config.pad_token_id)
    metadata.set(gguf_key::kPaddingTokenId, GgufValue::u32(as_u32(*config.pad_token_id, "pad_token_id")));
}

}  // namespace hone
