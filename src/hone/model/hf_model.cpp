#include "hone/model/hf_model.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "hone/io/safetensors_checkpoint.h"
#include "hone/tensor/finite_check.h"
#include "hone/util/atomic_file.h"

namespace hone {

DecoderConfig decoder_config_from_hf(const ModelConfig& hf) {
  DecoderConfig c;
  c.model_type = hf.model_type;
  c.vocab_size = hf.vocab_size;
  c.hidden_size = hf.hidden_size;
  c.intermediate_size = hf.intermediate_size;
  c.num_layers = hf.num_hidden_layers;
  c.num_heads = hf.num_attention_heads;
  c.num_kv_heads = hf.num_key_value_heads;
  c.head_dim = hf.head_dim;
  c.rms_norm_eps = hf.rms_norm_eps;
  c.max_position_embeddings = hf.max_position_embeddings;
  c.tie_word_embeddings = hf.tie_word_embeddings;
  c.qkv_bias = hf.qkv_bias();
  c.o_bias = hf.o_proj_bias();
  const ModelFamily& family = hf.family();
  c.qk_norm = family.qk_norm;
  c.activation = hf.hidden_act == "gelu_pytorch_tanh" ? MlpActivation::kGeluTanh : MlpActivation::kSilu;
  c.norm_adds_one = family.norm_adds_one;
  c.sandwich_norms = family.sandwich_norms;
  // transformers keeps sqrt(hidden_size) as an f32 tensor and multiplies in the compute dtype.
  if (family.scale_embeddings) c.embedding_scale = double(float(std::sqrt(double(hf.hidden_size))));
  if (family.scales_by_query_pre_attn_scalar) c.query_pre_attn_scalar = hf.query_pre_attn_scalar;
  c.rope.head_dim = hf.head_dim;
  c.rope.theta = hf.rope_theta;
  c.rope.layout = RopeLayout::RotateHalf;
  switch (hf.rope_scaling.type) {
    case HfRopeScalingType::kDefault: c.rope.scaling.type = RopeScalingType::None; break;
    case HfRopeScalingType::kLinear: c.rope.scaling.type = RopeScalingType::Linear; break;
    case HfRopeScalingType::kLlama3: c.rope.scaling.type = RopeScalingType::Llama3; break;
  }
  c.rope.scaling.factor = hf.rope_scaling.factor;
  c.rope.scaling.low_freq_factor = hf.rope_scaling.low_freq_factor;
  c.rope.scaling.high_freq_factor = hf.rope_scaling.high_freq_factor;
  c.rope.scaling.original_max_position_embeddings = hf.rope_scaling.original_max_position_embeddings;
  for (int64_t l = 0; l < hf.num_hidden_layers; ++l) c.layer_windows.push_back(hf.sliding_window_for_layer(l).value_or(0));
  if (family.sliding_layers_own_rope) {  // Gemma 3: rope_scaling is for the global layers only
    RopeConfig local;
    local.head_dim = hf.head_dim;
    local.theta = hf.rope_local_base_freq.value_or(10000.0);
    local.layout = RopeLayout::RotateHalf;
    c.sliding_rope = local;
  }
  for (int64_t id : hf.bos_token_ids) c.bos_token_ids.push_back(int32_t(id));
  for (int64_t id : hf.eos_token_ids) c.eos_token_ids.push_back(int32_t(id));
  if (hf.pad_token_id) c.pad_token_id = int32_t(*hf.pad_token_id);
  return c;
}

DecoderConfig validated_decoder_config(const ModelConfig& hf, const std::string& source) {
  return with_context(source, [&] {
    DecoderConfig c = decoder_config_from_hf(hf);
    c.validate();
    return c;
  });
}

ModelConfig hf_config_from_decoder(const DecoderConfig& c) {
  ModelConfig hf = default_model_config(c.model_type);
  hf.vocab_size = c.vocab_size;
  hf.hidden_size = c.hidden_size;
  hf.intermediate_size = c.intermediate_size;
  hf.num_hidden_layers = c.num_layers;
  hf.num_attention_heads = c.num_heads;
  hf.num_key_value_heads = c.num_kv_heads;
  hf.head_dim = c.head_dim;
  hf.rms_norm_eps = c.rms_norm_eps;
  hf.max_position_embeddings = c.max_position_embeddings;
  hf.tie_word_embeddings = c.tie_word_embeddings;
  const ModelFamily& family = model_family(c.model_type);
  hf.attention_bias = family.bias == BiasPolicy::kAttentionBias && c.qkv_bias;
  hf.hidden_act = c.activation == MlpActivation::kGeluTanh ? "gelu_pytorch_tanh" : "silu";
  if (c.query_pre_attn_scalar) hf.query_pre_attn_scalar = *c.query_pre_attn_scalar;
  if (c.sliding_rope) hf.rope_local_base_freq = c.sliding_rope->theta;
  hf.rope_theta = c.rope.theta;
  switch (c.rope.scaling.type) {
    case RopeScalingType::None: hf.rope_scaling.type = HfRopeScalingType::kDefault; break;
    case RopeScalingType::Linear: hf.rope_scaling.type = HfRopeScalingType::kLinear; break;
    case RopeScalingType::Llama3: hf.rope_scaling.type = HfRopeScalingType::kLlama3; break;
  }
  hf.rope_scaling.factor = c.rope.scaling.factor;
  hf.rope_scaling.low_freq_factor = c.rope.scaling.low_freq_factor;
  hf.rope_scaling.high_freq_factor = c.rope.scaling.high_freq_factor;
  hf.rope_scaling.original_max_position_embeddings = c.rope.scaling.original_max_position_embeddings;
  hf.bos_token_ids.assign(c.bos_token_ids.begin(), c.bos_token_ids.end());
  hf.eos_token_ids.assign(c.eos_token_ids.begin(), c.eos_token_ids.end());
  if (c.pad_token_id) hf.pad_token_id = *c.pad_token_id;
  // Windows back to the family's keys: the (smallest) window and which layers use it.
  std::optional<int64_t> window;
  hf.sliding_layers.assign(size_t(c.num_layers), false);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    if (const int64_t w = c.window_for_layer(l)) {
      window = window ? std::min(*window, w) : w;
      hf.sliding_layers[size_t(l)] = true;
    }
  }
  hf.max_window_layers = c.num_layers;
  switch (family.sliding) {
    case SlidingPolicy::kNone: break;
    case SlidingPolicy::kEveryLayer:
      hf.sliding_window = window;
      hf.use_sliding_window = window.has_value();
      break;
    case SlidingPolicy::kFromMaxWindowLayers:
      if (window) {
        hf.sliding_window = window;
        hf.use_sliding_window = true;
        const auto first = std::find(hf.sliding_layers.begin(), hf.sliding_layers.end(), true);
        hf.max_window_layers = int64_t(first - hf.sliding_layers.begin());
      }
      break;
    case SlidingPolicy::kPattern:
      hf.sliding_window = window;
      hf.use_sliding_window = window.has_value();
      break;
  }
  hf.torch_dtype = "float32";
  return hf;
}

std::unique_ptr<DecoderModel> load_hf_model(const std::string& folder, const LoadOptions& options,
                                            LoadReport* report) {
  const ModelConfig hf = load_model_config(folder);
  DecoderConfig config = validated_decoder_config(hf, folder + "/config.json");
  auto model = std::make_unique<DecoderModel>(config);
  const SafetensorsCheckpoint ckpt = SafetensorsCheckpoint::open(folder);
  std::set<std::string> unused;
  for (const std::string& n : ckpt.names()) unused.insert(n);
  std::string stored;
  for (auto& [name, param] : model->named_parameters()) {
    HONE_CHECK(ckpt.contains(name), folder, ": missing tensor '", name, "' (", config.model_type, " with ",
               config.num_layers, " layers needs it)");
    Tensor t = ckpt.get(name);
    HONE_CHECK(t.shape() == param->shape(), ckpt.file_of(name), ": tensor '", name, "' has shape ", t.shape().str(),
               " but config.json implies ", param->shape().str());
    HONE_CHECK(t.dtype() == DType::F32 || t.dtype() == DType::BF16 || t.dtype() == DType::F16, ckpt.file_of(name),
               ": tensor '", name, "' is ", dtype_name(t.dtype()), " (expected F32, BF16 or F16)");
    check_finite(t, name, ckpt.file_of(name));
    if (stored.empty()) stored = dtype_name(t.dtype());
    // Only matrices may stay narrow: norms and biases are tiny and the kernels want them f32.
    if (t.dtype() != DType::F32 && (!options.keep_stored_dtype || t.rank() < 2)) t = t.to(DType::F32);
    t.set_name(name);
    *param = t;
    unused.erase(name);
  }
  // A tied model's checkpoint may still carry lm_head.weight (a copy of the embeddings).
  if (config.tie_word_embeddings) unused.erase("lm_head.weight");
  if (report) {
    report->unexpected_tensors.assign(unused.begin(), unused.end());
    report->unused_config_keys = hf.unused_keys;
    report->stored_dtype = stored;
  }
  return model;
}

void save_hf_model(DecoderModel& model, const std::string& folder, DType dtype) {
  HONE_CHECK(dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16, "save: dtype must be f32, f16 or bf16");
  std::filesystem::create_directories(folder);
  ModelConfig hf = hf_config_from_decoder(model.config());
  hf.torch_dtype = dtype == DType::F32 ? "float32" : dtype == DType::F16 ? "float16" : "bfloat16";
  NamedTensors tensors;
  for (auto& [name, param] : model.named_parameters()) tensors.emplace_back(name, param->to(dtype));
  save_safetensors_checkpoint(folder, tensors);
  save_model_config(folder + "/config.json", hf);
}

}  // namespace hone
