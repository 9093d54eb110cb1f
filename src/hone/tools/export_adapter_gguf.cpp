#include "hone/tools/export_adapter_gguf.h"

#include "hone/io/gguf_llama.h"
#include "hone/model/hf_model.h"
#include "hone/peft/registry.h"
#include "hone/util/error.h"

namespace hone {

GgufLoraAdapter gguf_lora_from(const LoraModel& lora, const DecoderModel& model) {
  const LoraConfig& config = lora.config();
  HONE_CHECK(!config.use_dora, "this adapter uses DoRA, which llama.cpp's GGUF LoRA format cannot express (no ",
             "magnitude vector); merge it into the base model with `hone merge` and convert the merged model instead");
  const DecoderConfig& dc = model.config();
  GgufLoraAdapter out;
  const ModelFamily& family = model_family(dc.model_type);
  out.architecture = family.gguf_architecture;  // the base model's, as llama.cpp's converter names it
  out.alpha = config.alpha;
  const bool permute = family.gguf_permutes_qk;
  for (const auto& [module, adapter] : lora.adapters()) {
    const auto gguf_name = gguf_tensor_name_from_hf(module->name + ".weight", family);
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
  const std::unique_ptr<Adapter> adapter = load_adapter(*model, options.adapter_dir);
  const GgufLoraAdapter gguf = gguf_lora_from(lora_model_of(*adapter, "export --format gguf"), *model);
  save_gguf_lora(options.out_path, gguf, options.dtype);
  return {gguf.architecture, gguf.alpha, int64_t(gguf.pairs.size())};
}

}  // namespace hone
