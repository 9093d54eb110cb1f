#include "hone/train/training_method.h"

#include <filesystem>

#include "hone/io/safetensors.h"
#include "hone/model/hf_model.h"
#include "hone/peft/lora_model.h"
#include "hone/util/atomic_file.h"

namespace hone {

namespace {

bool no_decay(const std::string& name, const Tensor& t) {
  // As Hugging Face's Trainer: biases and normalisation weights are not decayed.
  return t.rank() < 2 || name.find("norm") != std::string::npos;
}

class LoraMethod : public TrainingMethod {
 public:
  LoraMethod(const TrainRecipe& recipe, DecoderModel& model) : lora_(LoraModel::attach(model, lora_config(recipe), recipe.seed)) {}

  static LoraConfig lora_config(const TrainRecipe& recipe) {
    LoraConfig c = recipe.lora;
    c.base_model_name_or_path = recipe.model;
    return c;
  }

  std::string name() const override { return "lora"; }

  std::vector<ParamGroup> param_groups(double weight_decay) override {
    ParamGroup decay{"lora", {}, weight_decay, 1.0}, plain{"lora_no_decay", {}, 0.0, 1.0};
    for (const Tensor& t : lora_.trainable_parameters()) (no_decay(t.name(), t) ? plain : decay).params.push_back(t);
    std::vector<ParamGroup> groups{decay};
    if (!plain.params.empty()) groups.push_back(plain);
    return groups;
  }

  int64_t trainable_parameter_count() const override { return lora_.trainable_parameter_count(); }

  void set_training(bool training, uint64_t micro_step) override {
    lora_.training_state().training = training;
    lora_.training_state().micro_step = micro_step;
  }

  void save_weights(const std::string& dir) const override { save_peft_files(dir); }

  void load_weights(const std::string& dir) override {
    const SafetensorsFile f = SafetensorsFile::open(dir + "/adapter_model.safetensors");
    for (auto& [key, t] : lora_.peft_tensors()) {
      Tensor target = t;
      HONE_CHECK(f.contains(key), f.path(), ": checkpoint lacks '", key, "' (was it written by a run with other lora settings?)");
      const Tensor saved = f.get(key);
      HONE_CHECK(saved.shape() == target.shape(), f.path(), ": '", key, "' has shape ", saved.shape().str(), ", expected ",
                 target.shape().str());
      target.copy_from(saved);
    }
  }

  std::string final_folder_name() const override { return "adapter"; }
  void save_final(const std::string& dir) const override { lora_.save(dir); }

 private:
  // The checkpoint copy is a complete PEFT adapter too, so any checkpoint can be used directly.
  void save_peft_files(const std::string& dir) const {
    const std::string config_text = lora_config_to_peft_json(lora_.config()).dump(2) + "\n";
    write_file_atomically(dir + "/adapter_config.json", config_text.data(), config_text.size());
    save_safetensors(dir + "/adapter_model.safetensors", lora_.peft_tensors(), {{"format", "pt"}});
  }

  LoraModel lora_;
};

class FullMethod : public TrainingMethod {
 public:
  FullMethod(DecoderModel& model, std::string base_folder) : model_(model), base_folder_(std::move(base_folder)) {
    for (auto& [name, t] : model_.named_parameters()) {
      // Trainable weights are fp32 masters in memory we own (not a read-only file mapping).
      *t = t->to(DType::F32).clone().set_name(name);
      t->set_requires_grad(true);
    }
  }

  std::string name() const override { return "full"; }

  std::vector<ParamGroup> param_groups(double weight_decay) override {
    ParamGroup decay{"decay", {}, weight_decay, 1.0}, plain{"no_decay", {}, 0.0, 1.0};
    for (auto& [name, t] : model_.named_parameters()) (no_decay(name, *t) ? plain : decay).params.push_back(*t);
    return {decay, plain};
  }

  int64_t trainable_parameter_count() const override { return model_.config().parameter_count(); }
  void set_training(bool, uint64_t) override {}

  void save_weights(const std::string& dir) const override {
    NamedTensors tensors;
    for (auto& [name, t] : model_.named_parameters()) tensors.emplace_back(name, *t);
    save_safetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}});
  }

  void load_weights(const std::string& dir) override {
    const SafetensorsFile f = SafetensorsFile::open(dir + "/model.safetensors");
    for (auto& [name, t] : model_.named_parameters()) {
      HONE_CHECK(f.contains(name), f.path(), ": checkpoint lacks '", name, "'");
      t->copy_from(f.get(name));
    }
  }

  std::string final_folder_name() const override { return "model"; }

  void save_final(const std::string& dir) const override {
    write_directory_atomically(dir, [&](const std::string& tmp) {
      save_hf_model(model_, tmp);
      for (const char* file : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"}) {
        const auto src = std::filesystem::path(base_folder_) / file;
        if (std::filesystem::exists(src)) std::filesystem::copy_file(src, std::filesystem::path(tmp) / file);
      }
    });
  }

 private:
  DecoderModel& model_;
  std::string base_folder_;
};

}  // namespace

std::unique_ptr<TrainingMethod> make_training_method(const TrainRecipe& recipe, DecoderModel& model,
                                                     const std::string& base_folder) {
  if (recipe.method == "lora") return std::make_unique<LoraMethod>(recipe, model);
  if (recipe.method == "full") return std::make_unique<FullMethod>(model, base_folder);
  HONE_FAIL("key 'method': lora or full, got '", recipe.method, "'");
}

}  // namespace hone
