// What is trained and how it is saved, as the trainer sees it: any method of the registry
// (peft/registry.h) — LoRA, full fine-tuning, BitFit, ... — with its tensors split into the
// optimizer's weight-decay groups. A new method is registered in peft/, not here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hone/model/decoder_model.h"
#include "hone/optim/optimizer.h"
#include "hone/train/recipe.h"

namespace hone {

class TrainingMethod {
 public:
  virtual ~TrainingMethod() = default;
  virtual std::string name() const = 0;
  // Groups for the optimizer (weight decay off for biases and norm weights).
  virtual std::vector<ParamGroup> param_groups(double weight_decay) = 0;
  virtual int64_t trainable_parameter_count() const = 0;
  // Trainable weights into / out of a checkpoint folder (in the method's own file format).
  virtual void save_weights(const std::string& dir) const = 0;
  virtual void load_weights(const std::string& dir) = 0;
  // The final artifact: <out>/adapter or <out>/model.
  virtual std::string final_folder_name() const = 0;
  virtual void save_final(const std::string& dir) const = 0;
  // What this method plugs into the training step (LISA's layer sampling, SpIEL's regrowth
  // hook, ...); nothing by default.
  virtual void add_step_plugins(StepPlugins& /*plugins*/) {}
};

// Attaches `recipe.method` (with its recipe section) on `model` (loaded from `base_folder`, whose tokenizer files a full
// fine-tune copies into its output).
std::unique_ptr<TrainingMethod> make_training_method(const TrainRecipe& recipe, DecoderModel& model,
                                                     const std::string& base_folder);

}  // namespace hone
