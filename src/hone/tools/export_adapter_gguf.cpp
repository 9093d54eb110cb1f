#include "hone/tools/export_adapter_gguf.h"

#include "hone/io/gguf_llama.h"
#include "hone/model/hf_model.h"
#include "hone/util/error.h"

namespace hone {

namespace {
// The GGUF architecture llama.cpp's converter uses for a model_type.
std::string gguf_architecture(const std::string& model_type) {
  if (model_type == "llama" || model_type == "mistral") return "llama";
  if (model_type == "qwen2") return "qwen2";
  HONE_FAIL("GGUF LoRA export supports model_type llama, mistral and qwen2, not '", model_type, "'");
}
}  // namespace

GgufLoraAdapter gguf_lora_from(const LoraModel& lora, const DecoderModel& model) {
  const LoraConfig& config = lora.config();
  HONE_CHECK(!config.use_dora, "this adapter uses DoRA, which llama.cpp's GGUF LoRA format cannot express (no ",
             "magnitude vector); merge it into the base model with `hone merge` and convert the merged model instead");
  const DecoderConfig& dc = model.config();
  GgufLoraAdapter out;
  out.architecture = gguf_architecture(dc.model_type);
  out.alpha = config.alpha;
  const bool permute = gguf_permutes_qk(dc.model_type);
  for (const auto& [module, adapter] : lora.adapters()) {
    const auto gguf_name = gguf_tensor_name_from_hf(module->name + ".weight");
    HONE_CHECK(gguf_name.has_value(), "module ", module->name, " has no GGUF tensor name");
    const double rank = double(adapter->rank());
    // llama.cpp's scale for this pair is alpha / rank; fold whatever differs into B.
    const double fold = adapter->scaling() * rank / out.alpha;
    Tensor b = adapter->lora_B().detach().clone();
    if (fold != 1.0) {
      float* p = b.data<float>();
      for (int64_t i = 0; i < b.numel(); ++i) p[i] = float(double(p[i]) * fold);
    }
    const std::string& leaf = module->leaf_name();
    if (permute && leaf == "q_proj") b = permute_qk_for_gguf(b, dc.num_heads);
    if (permute && leaf == "k_proj") b = permute_qk_for_gguf(b, dc.num_kv_heads);
    out.pairs.push_back({*gguf_name, adapter->lora_A().detach().clone(), b});
  }
  return out;
}

ExportAdapterReport export_adapter_gguf(const ExportAdapterOptions& options) {
  HONE_CHECK(!options.out_path.empty(), "export: --out is required");
  auto model = load_hf_model(options.model_dir);
  const LoraModel lora = LoraModel::load(*model, options.adapter_dir);
  const GgufLoraAdapter gguf = gguf_lora_from(lora, *model);
  save_gguf_lora(options.out_path, gguf, options.dtype);
  return {gguf.architecture, gguf.alpha, int64_t(gguf.pairs.size())};
}

}  // namespace hone
