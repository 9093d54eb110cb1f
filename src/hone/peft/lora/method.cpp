#include "hone/peft/lora/method.h"

namespace hone {

namespace {

class LoraAttached : public Adapter {
 public:
  explicit LoraAttached(LoraModel lora) : lora_(std::move(lora)) {}

  const AdapterMethod& method() const override { return lora_method(); }
  NamedTensors trainable_tensors() const override {
    NamedTensors out;
    for (const Tensor& t : lora_.trainable_parameters()) out.emplace_back(t.name(), t);
    return out;
  }
  int64_t module_count() const override { return int64_t(lora_.adapters().size()); }
  void save(const std::string& dir) const override { lora_.save(dir); }
  // The checkpoint copy is a complete PEFT adapter too, so any checkpoint can be used directly.
  void save_checkpoint(const std::string& dir) const override {
    write_peft_files(dir, lora_config_to_peft_json(lora_.config()), lora_.peft_tensors());
  }
  void load_checkpoint(const std::string& dir) override { load_peft_tensors_into(dir, lora_.peft_tensors(), "lora"); }
  void merge_and_unload() override { lora_.merge_and_unload(); }
  void unload() override { lora_.unload(); }

  const LoraModel& lora() const { return lora_; }

 private:
  LoraModel lora_;
};

}  // namespace

const AdapterMethod& lora_method() {
  static const AdapterMethod method{
      "lora", "LORA", "LoRA (and rsLoRA, DoRA): low-rank updates on linear layers", &lora_section(),
      [](DecoderModel& model, const void* options, const AttachOptions& a) -> std::unique_ptr<Adapter> {
        LoraConfig config = *static_cast<const LoraConfig*>(options);
        config.base_model_name_or_path = a.base_model;
        return std::make_unique<LoraAttached>(LoraModel::attach(model, config, a.seed));
      },
      [](DecoderModel& model, const std::string& dir, const nlohmann::json&) -> std::unique_ptr<Adapter> {
        return std::make_unique<LoraAttached>(LoraModel::load(model, dir));
      },
      // DoRA reads its base weight's norms in f32, so it keeps them as loaded.
      [](const void* options) { return !static_cast<const LoraConfig*>(options)->use_dora; }};
  return method;
}

const LoraModel& lora_model_of(const Adapter& adapter, const std::string& what) {
  const auto* lora = dynamic_cast<const LoraAttached*>(&adapter);
  HONE_CHECK(lora, what, " needs a LoRA adapter, and this one is ", adapter.method().name,
             "; merge it into the base model with `hone merge` and use the merged model instead");
  return lora->lora();
}

}  // namespace hone
