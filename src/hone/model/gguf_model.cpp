#include "hone/model/gguf_model.h"

#include <algorithm>
#include <set>

#include "hone/io/gguf_llama.h"
#include "hone/io/gguf_writer.h"
#include "hone/tensor/dtype.h"
#include "hone/tensor/finite_check.h"

namespace hone {

namespace {

// The {arch}.* keys model_config_from_gguf reads.
constexpr const char* kReadArchKeys[] = {
    gguf_key::kContextLength,  gguf_key::kEmbeddingLength,     gguf_key::kBlockCount,
    gguf_key::kFeedForwardLength, gguf_key::kHeadCount,        gguf_key::kHeadCountKv,
    gguf_key::kRmsEpsilon,     gguf_key::kKeyLength,           gguf_key::kValueLength,
    gguf_key::kRopeDimensionCount, gguf_key::kRopeFreqBase,    gguf_key::kRopeScalingType,
    gguf_key::kRopeScalingFactor, gguf_key::kVocabSize,        gguf_key::kSlidingWindow,
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// How many heads a q_proj / k_proj tensor's rows split into, or 0 when `hf_name` is neither.
int64_t qk_heads(const std::string& hf_name, const DecoderConfig& c) {
  if (ends_with(hf_name, "q_proj.weight") || ends_with(hf_name, "q_proj.bias")) return c.num_heads;
  if (ends_with(hf_name, "k_proj.weight") || ends_with(hf_name, "k_proj.bias")) return c.num_kv_heads;
  return 0;
}

// `t` (a norm weight) with `shift` added to every value, in a new f32 tensor: llama.cpp's
// converter stores Gemma 3's norms as 1 + w, the factor its RMSNorm applies.
Tensor shifted_norm(const Tensor& t, double shift) {
  Tensor out = t.to(DType::F32).clone();
  float* p = out.data<float>();
  for (int64_t i = 0; i < out.numel(); ++i) p[i] = float(double(p[i]) + shift);
  if (!t.name().empty()) out.set_name(t.name());
  return out;
}

bool shifts(const ModelFamily& family, const std::string& hf_name) {
  return family.gguf_norm_shift != 0 && ends_with(hf_name, "norm.weight");
}

}  // namespace

DecoderConfig decoder_config_from_gguf(const GgufFile& file) {
  return with_context(file.source(), [&] {
    DecoderConfig c = decoder_config_from_hf(model_config_from_gguf(file));
    c.validate();
    return c;
  });
}

std::vector<std::string> unused_gguf_config_keys(const GgufMetadata& metadata) {
  std::vector<std::string> out;
  const GgufValue* arch_value = metadata.find(gguf_key::kArchitecture);
  if (!arch_value || arch_value->type() != GgufType::STRING) return out;
  const std::string prefix = arch_value->as_string() + ".";
  for (const auto& [key, value] : metadata.entries()) {
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = key.substr(prefix.size());
    if (std::none_of(std::begin(kReadArchKeys), std::end(kReadArchKeys), [&](const char* k) { return rest == k; }))
      out.push_back(key);
  }
  return out;
}

std::unique_ptr<DecoderModel> load_gguf_model(const std::string& path, const LoadOptions& options,
                                              LoadReport* report) {
  const GgufFile file = GgufFile::open(path);
  const DecoderConfig config = decoder_config_from_gguf(file);
  const ModelFamily& family = model_family(config.model_type);
  const bool unpermute = family.gguf_permutes_qk;
  auto model = std::make_unique<DecoderModel>(config);
  std::set<std::string> unused;
  for (const GgufTensorInfo& info : file.tensors()) unused.insert(info.name);
  std::string stored;
  for (auto& [name, param] : model->named_parameters()) {
    const std::optional<std::string> gguf_name = gguf_tensor_name_from_hf(name, family);
    HONE_CHECK(gguf_name.has_value(), "internal: no GGUF name for '", name, "'");
    HONE_CHECK(file.contains(*gguf_name), path, ": missing tensor '", *gguf_name, "' (", name, "; ",
               config.model_type, " with ", config.num_layers, " layers needs it)");
    Tensor t = file.get(*gguf_name);
    HONE_CHECK(t.shape() == param->shape(), path, ": tensor '", *gguf_name, "' has shape ", t.shape().str(),
               " but the metadata implies ", param->shape().str(), " (", name, ")");
    if (stored.empty() && t.rank() == 2) stored = dtype_name(t.dtype());
    if (unpermute) {
      if (const int64_t heads = qk_heads(name, config)) t = unpermute_qk_from_gguf(t, heads);
    }
    const bool keep = options.keep_stored_dtype && t.rank() >= 2 && (t.dtype() == DType::F16 || t.dtype() == DType::BF16);
    if (t.dtype() != DType::F32 && !keep) t = with_context(path + ": tensor '" + *gguf_name + "'", [&] { return t.to(DType::F32); });
    if (shifts(family, name)) t = shifted_norm(t, -family.gguf_norm_shift);
    check_finite(t, *gguf_name, path);  // after widening, so a quantized tensor's scales are checked too
    t.set_name(name);
    *param = t;
    unused.erase(*gguf_name);
  }
  if (report) {
    report->unexpected_tensors.assign(unused.begin(), unused.end());
    report->unused_config_keys = unused_gguf_config_keys(file.metadata());
    report->stored_dtype = stored;
  }
  return model;
}

DType gguf_export_dtype(const Shape& shape, DType dtype) {
  if (shape.rank() < 2) return DType::F32;  // llama.cpp keeps norms and biases in f32
  if (is_quantized(dtype) && shape[-1] % dtype_info(dtype).block_size != 0) return DType::F16;
  return dtype;
}

void save_gguf_model(DecoderModel& model, const std::string& path, const GgufExportOptions& options) {
  const DType dtype = options.dtype;
  HONE_CHECK(dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16 || dtype == DType::Q8_0,
             "GGUF export: dtype must be f32, f16, bf16 or q8_0, not ", dtype_name(dtype));
  const DecoderConfig& c = model.config();
  GgufMetadata metadata;
  add_model_config_metadata(metadata, hf_config_from_decoder(c));
  if (!options.name.empty()) metadata.set(gguf_key::kName, GgufValue::string(options.name));
  metadata.set(gguf_key::kFileType, GgufValue::u32(llama_file_type_for(dtype)));
  if (is_quantized(dtype)) metadata.set(gguf_key::kQuantizationVersion, GgufValue::u32(2));
  for (const auto& [key, value] : options.extra.entries()) metadata.set(key, value);

  const ModelFamily& family = model_family(c.model_type);
  const bool permute = family.gguf_permutes_qk;
  NamedTensors tensors;
  for (auto& [name, param] : model.named_parameters()) {
    const std::optional<std::string> gguf_name = gguf_tensor_name_from_hf(name, family);
    HONE_CHECK(gguf_name.has_value(), "GGUF export: no GGUF name for tensor '", name, "'");
    Tensor t = shifts(family, name) ? shifted_norm(*param, family.gguf_norm_shift) : *param;
    if (permute) {
      if (const int64_t heads = qk_heads(name, c)) t = permute_qk_for_gguf(t, heads);
    }
    tensors.emplace_back(*gguf_name, t.to(gguf_export_dtype(t.shape(), dtype)));
  }
  save_gguf(path, metadata, tensors);
}

}  // namespace hone
