#include "hone/model/model_inspection.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "hone/io/gguf_file.h"
#include "hone/io/gguf_llama.h"
#include "hone/io/hf_config.h"
#include "hone/io/safetensors_checkpoint.h"
#include "hone/model/gguf_model.h"
#include "hone/model/load_model.h"

namespace hone {

namespace {

using Json = nlohmann::ordered_json;

const char* rope_scaling_name(RopeScalingType t) {
  switch (t) {
    case RopeScalingType::None: return "none";
    case RopeScalingType::Linear: return "linear";
    case RopeScalingType::Llama3: return "llama3";
  }
  return "?";
}

Json config_summary(const DecoderConfig& c) {
  Json j;
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_hidden_layers"] = c.num_layers;
  j["num_attention_heads"] = c.num_heads;
  j["num_key_value_heads"] = c.num_kv_heads;
  j["head_dim"] = c.head_dim;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["rope_theta"] = c.rope.theta;
  j["rope_scaling"] = rope_scaling_name(c.rope.scaling.type);
  if (c.rope.scaling.type != RopeScalingType::None) j["rope_scaling_factor"] = c.rope.scaling.factor;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["qkv_bias"] = c.qkv_bias;
  j["o_bias"] = c.o_bias;
  j["qk_norm"] = c.qk_norm;
  int64_t window = 0, sliding_layers = 0;
  for (int64_t l = 0; l < c.num_layers; ++l) {
    if (const int64_t w = c.window_for_layer(l)) {
      window = window ? std::min(window, w) : w;
      ++sliding_layers;
    }
  }
  j["sliding_window"] = window ? Json(window) : Json(nullptr);
  j["sliding_layers"] = sliding_layers;
  if (c.sliding_rope) j["sliding_rope_theta"] = c.sliding_rope->theta;
  j["mlp"] = c.activation == MlpActivation::kGeluTanh ? "geglu_tanh" : "swiglu";
  if (c.norm_adds_one) j["norm_weight"] = "1 + w";
  if (c.sandwich_norms) j["sandwich_norms"] = true;
  if (c.embedding_scale != 1.0) j["embedding_scale"] = c.embedding_scale;
  if (c.query_pre_attn_scalar) j["query_pre_attn_scalar"] = *c.query_pre_attn_scalar;
  j["bos_token_ids"] = c.bos_token_ids;
  j["eos_token_ids"] = c.eos_token_ids;
  return j;
}

Json tensor_entry(const std::string& name, const Shape& shape, const std::string& dtype) {
  Json dims = Json::array();
  for (int i = 0; i < shape.rank(); ++i) dims.push_back(shape[i]);
  return Json{{"name", name}, {"shape", dims}, {"dtype", dtype}};
}

// Count of tensors per dtype, in first-seen order.
Json dtype_counts(const Json& tensors) {
  Json out = Json::object();
  for (const auto& t : tensors) {
    const std::string d = t["dtype"];
    out[d] = out.contains(d) ? out[d].get<int64_t>() + 1 : 1;
  }
  return out;
}

}  // namespace

Json inspect_model(const std::string& path) {
  Json j;
  j["path"] = path;
  const ModelFormat format = detect_model_format(path);
  j["format"] = model_format_name(format);
  DecoderConfig config;
  Json tensors = Json::array(), unused = Json::array(), metadata;
  if (format == ModelFormat::kGguf) {
    const GgufFile file = GgufFile::open(path);
    config = decoder_config_from_gguf(file);
    j["architecture"] = file.metadata().get_string(gguf_key::kArchitecture);
    for (const GgufTensorInfo& t : file.tensors()) tensors.push_back(tensor_entry(t.name, t.shape, dtype_name(t.dtype)));
    for (const std::string& k : unused_gguf_config_keys(file.metadata())) unused.push_back(k);
    metadata = Json::object();
    for (const auto& [key, value] : file.metadata().entries()) metadata[key] = value.describe();
  } else {
    const ModelConfig hf = load_model_config(path);
    config = validated_decoder_config(hf, path + "/config.json");
    j["architecture"] = hf.family().architecture;
    const SafetensorsCheckpoint ckpt = SafetensorsCheckpoint::open(path);
    for (const std::string& name : ckpt.names()) {
      const SafetensorsEntry& e = ckpt.entry(name);
      tensors.push_back(tensor_entry(name, e.shape, e.loadable ? dtype_name(e.dtype) : e.file_dtype));
    }
    for (const std::string& k : hf.unused_keys) unused.push_back(k);
  }
  j["family"] = config.model_type;
  j["parameters"] = config.parameter_count();
  j["dtypes"] = dtype_counts(tensors);
  j["config"] = config_summary(config);
  j["unused_config_keys"] = unused;
  j["tensors"] = tensors;
  if (!metadata.is_null()) j["metadata"] = metadata;
  return j;
}

std::string format_inspection(const Json& j) {
  std::ostringstream out;
  const int64_t params = j["parameters"];
  out << j["path"].get<std::string>() << "\n";
  out << "  format:        " << j["format"].get<std::string>() << "\n";
  out << "  architecture:  " << j["architecture"].get<std::string>() << "\n";
  out << "  family:        " << j["family"].get<std::string>() << "\n";
  char count[64];
  std::snprintf(count, sizeof count, "%lld (%.2f M)", static_cast<long long>(params), double(params) / 1e6);
  out << "  parameters:    " << count << "\n";
  out << "  dtypes:       ";
  for (const auto& [d, n] : j["dtypes"].items()) out << " " << d << " x" << n.get<int64_t>();
  out << "\n  config:\n";
  for (const auto& [k, v] : j["config"].items()) out << "    " << k << ": " << v.dump() << "\n";
  out << "  unused config keys: " << (j["unused_config_keys"].empty() ? "none" : "");
  for (size_t i = 0; i < j["unused_config_keys"].size(); ++i)
    out << (i ? ", " : "") << j["unused_config_keys"][i].get<std::string>();
  out << "\n";
  if (j.contains("metadata")) {
    out << "  metadata (" << j["metadata"].size() << " keys):\n";
    for (const auto& [k, v] : j["metadata"].items()) out << "    " << k << " = " << v.get<std::string>() << "\n";
  }
  out << "  tensors (" << j["tensors"].size() << "):\n";
  for (const auto& t : j["tensors"]) {
    std::string shape;
    for (size_t i = 0; i < t["shape"].size(); ++i) shape += (i ? ", " : "") + std::to_string(t["shape"][i].get<int64_t>());
    out << "    " << t["name"].get<std::string>() << "  [" << shape << "]  " << t["dtype"].get<std::string>() << "\n";
  }
  return out.str();
}

}  // namespace hone
