// What a training method or an optimizer may plug into the training step, all optional: how
// gradients are obtained, which tensors are trained at each step, and hooks at step and epoch
// boundaries. The step (train/train_step.h) runs whatever is plugged in; its loop never changes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hone/optim/gradient_source.h"
#include "hone/optim/step_hook.h"
#include "hone/optim/trainable_selection.h"

namespace hone {

struct StepPlugins {
  std::shared_ptr<GradientSource> gradients;      // none: backpropagation
  std::shared_ptr<TrainableSelection> trainable;  // none: every trainable tensor at every step
  std::vector<std::shared_ptr<StepHook>> hooks;   // called in the order they were added

  // Sets the gradient source; Error when `who` would replace one that another supplier set
  // (two strategies for the same gradients cannot both hold).
  void set_gradients(std::shared_ptr<GradientSource> source, const std::string& who);
  // Sets the trainable selection; Error when another supplier set one already.
  void set_trainable(std::shared_ptr<TrainableSelection> selection, const std::string& who);
  void add_hook(std::shared_ptr<StepHook> hook) { hooks.push_back(std::move(hook)); }
};

}  // namespace hone
