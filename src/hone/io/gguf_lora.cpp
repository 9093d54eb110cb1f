#include "hone/io/gguf_lora.h"

#include <map>

#include "hone/io/gguf_file.h"
#include "hone/io/gguf_llama.h"
#include "hone/io/gguf_writer.h"
#include "hone/util/error.h"

namespace hone {

namespace {
constexpr const char* kSuffixA = ".lora_a";
constexpr const char* kSuffixB = ".lora_b";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

void save_gguf_lora(const std::string& path, const GgufLoraAdapter& adapter, DType dtype) {
  HONE_CHECK(dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16, path,
             ": GGUF LoRA tensors must be f32, f16 or bf16 (llama-export-lora rejects quantized adapters)");
  HONE_CHECK(!adapter.architecture.empty(), path, ": a GGUF LoRA adapter needs the base model's architecture");
  HONE_CHECK(!adapter.pairs.empty(), path, ": the adapter has no tensors");
  GgufMetadata metadata;
  metadata.set(gguf_key::kGeneralType, GgufValue::string("adapter"));
  metadata.set(gguf_key::kArchitecture, GgufValue::string(adapter.architecture));
  metadata.set(gguf_key::kAdapterType, GgufValue::string("lora"));
  metadata.set(gguf_key::kAdapterLoraAlpha, GgufValue::f32(float(adapter.alpha)));
  NamedTensors tensors;
  for (const GgufLoraPair& p : adapter.pairs) {
    HONE_CHECK(p.a.rank() == 2 && p.b.rank() == 2 && p.a.dim(0) == p.b.dim(1), path, ": LoRA pair for '", p.base_tensor,
               "' has A ", p.a.shape().str(), " and B ", p.b.shape().str(), " (expected [r, in] and [out, r])");
    tensors.emplace_back(p.base_tensor + kSuffixA, p.a.to(dtype));
    tensors.emplace_back(p.base_tensor + kSuffixB, p.b.to(dtype));
  }
  save_gguf(path, metadata, tensors);
}

GgufLoraAdapter read_gguf_lora(const std::string& path) {
  const GgufFile file = GgufFile::open(path);
  const GgufMetadata& meta = file.metadata();
  const std::string general_type = meta.get_string_or(gguf_key::kGeneralType, "");
  HONE_CHECK(general_type == "adapter", path, ": general.type is '", general_type,
             "', expected 'adapter' (is this a model file rather than a LoRA?)");
  const std::string adapter_type = meta.get_string(gguf_key::kAdapterType);
  HONE_CHECK(adapter_type == "lora", path, ": adapter.type is '", adapter_type, "', expected 'lora'");
  GgufLoraAdapter out;
  out.architecture = meta.get_string(gguf_key::kArchitecture);
  out.alpha = meta.get_float_or(gguf_key::kAdapterLoraAlpha, 0.0);

  std::map<std::string, std::pair<Tensor, Tensor>> halves;  // by base tensor, sorted for a stable order
  std::vector<std::string> order;
  for (const GgufTensorInfo& info : file.tensors()) {
    const bool is_a = ends_with(info.name, kSuffixA), is_b = ends_with(info.name, kSuffixB);
    if (!is_a && !is_b) {
      // llama.cpp accepts and ignores the norm vectors mergekit extracts add.
      HONE_CHECK(ends_with(info.name, "_norm.weight"), path, ": tensor '", info.name,
                 "' is neither a .lora_a nor a .lora_b tensor");
      continue;
    }
    const std::string base = info.name.substr(0, info.name.size() - std::string(kSuffixA).size());
    if (!halves.count(base)) order.push_back(base);
    Tensor t = file.get(info.name).to(DType::F32);
    HONE_CHECK(t.rank() == 2, path, ": tensor '", info.name, "' has shape ", t.shape().str(), ", expected a matrix");
    (is_a ? halves[base].first : halves[base].second) = t;
  }
  for (const std::string& base : order) {
    auto& [a, b] = halves[base];
    HONE_CHECK(a.defined() && b.defined(), path, ": LoRA tensor pair for '", base, "' is missing one component");
    HONE_CHECK(a.dim(0) == b.dim(1), path, ": '", base, ".lora_a' has shape ", a.shape().str(), " and '", base,
               ".lora_b' ", b.shape().str(), ": the ranks differ (lora_a must be stored transposed, ggml ne {in, r})");
    out.pairs.push_back({base, a, b});
  }
  HONE_CHECK(!out.pairs.empty(), path, ": the adapter has no LoRA tensors");
  return out;
}

}  // namespace hone
