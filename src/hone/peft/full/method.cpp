// Full fine-tuning as a registered method: every weight trainable as an f32 master, saved as a
// Hugging Face model folder (no adapter folder, so it has no peft_type and cannot be loaded by
// load_adapter).
#include <filesystem>

#include "hone/model/hf_model.h"
#include "hone/peft/adapter_method.h"
#include "hone/util/atomic_file.h"

namespace hone {

const AdapterMethod& full_method();

namespace {

class FullAttached : public Adapter {
 public:
  FullAttached(DecoderModel& model, std::string base_folder) : model_(model), base_folder_(std::move(base_folder)) {
    for (auto& [name, t] : model_.named_parameters()) {
      // Trainable weights are fp32 masters in memory we own (not a read-only file mapping).
      *t = t->to(DType::F32).clone().set_name(name);
      t->set_requires_grad(true);
    }
  }

  const AdapterMethod& method() const override { return full_method(); }
  NamedTensors trainable_tensors() const override {
    NamedTensors out;
    for (auto& [name, t] : model_.named_parameters()) out.emplace_back(name, *t);
    return out;
  }
  int64_t module_count() const override { return int64_t(model_.named_parameters().size()); }

  std::string final_folder_name() const override { return "model"; }
  void save(const std::string& dir) const override {
    write_directory_atomically(dir, [&](const std::string& tmp) {
      save_hf_model(model_, tmp);
      for (const char* file : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"}) {
        const auto src = std::filesystem::path(base_folder_) / file;
        if (std::filesystem::exists(src)) std::filesystem::copy_file(src, std::filesystem::path(tmp) / file);
      }
    });
  }
  void save_checkpoint(const std::string& dir) const override {
    save_safetensors(dir + "/model.safetensors", trainable_tensors(), {{"format", "pt"}});
  }
  void load_checkpoint(const std::string& dir) override {
    const SafetensorsFile f = SafetensorsFile::open(dir + "/model.safetensors");
    for (auto& [name, t] : model_.named_parameters()) {
      HONE_CHECK(f.contains(name), f.path(), ": checkpoint lacks '", name, "'");
      t->copy_from(f.get(name));
    }
  }
  // The trained weights are the model's own: nothing to fold, nothing to detach.
  void merge_and_unload() override {}
  void unload() override {}

 private:
  DecoderModel& model_;
  std::string base_folder_;
};

}  // namespace

const AdapterMethod& full_method() {
  static const AdapterMethod method{
      "full", "", "full fine-tuning: every weight, saved as a Hugging Face model folder", nullptr,
      [](DecoderModel& model, const void*, const AttachOptions& a) -> std::unique_ptr<Adapter> {
        return std::make_unique<FullAttached>(model, a.base_model);
      },
      nullptr,
      nullptr};
  return method;
}

}  // namespace hone
