#include "hone/train/training_method.h"

#include "hone/peft/registry.h"

namespace hone {

namespace {

bool no_decay(const std::string& name, const Tensor& t) {
  // As Hugging Face's Trainer: biases and normalisation weights are not decayed.
  return t.rank() < 2 || name.find("norm") != std::string::npos;
}

// Any registered method, seen by the trainer: its tensors in two optimizer groups.
class RegisteredMethod : public TrainingMethod {
 public:
  explicit RegisteredMethod(std::unique_ptr<Adapter> adapter) : adapter_(std::move(adapter)) {}

  std::string name() const override { return adapter_->method().name; }

  std::vector<ParamGroup> param_groups(double weight_decay) override {
    ParamGroup decay{"decay", {}, weight_decay, 1.0}, plain{"no_decay", {}, 0.0, 1.0};
    for (const auto& [name, t] : adapter_->trainable_tensors()) (no_decay(name, t) ? plain : decay).params.push_back(t);
    std::vector<ParamGroup> groups;
    for (ParamGroup* g : {&decay, &plain})
      if (!g->params.empty()) groups.push_back(*g);
    return groups;
  }

  int64_t trainable_parameter_count() const override { return adapter_->trainable_parameter_count(); }
  void save_weights(const std::string& dir) const override { adapter_->save_checkpoint(dir); }
  void load_weights(const std::string& dir) override { adapter_->load_checkpoint(dir); }
  std::string final_folder_name() const override { return adapter_->final_folder_name(); }
  void save_final(const std::string& dir) const override { adapter_->save(dir); }

 private:
  std::unique_ptr<Adapter> adapter_;
};

}  // namespace

std::unique_ptr<TrainingMethod> make_training_method(const TrainRecipe& recipe, DecoderModel& model,
                                                     const std::string& base_folder) {
  AttachOptions attach;
  attach.seed = recipe.seed;
  attach.base_model = base_folder;
  return std::make_unique<RegisteredMethod>(
      attach_adapter(recipe.method, model, method_options(recipe, recipe.method), attach));
}

}  // namespace hone
