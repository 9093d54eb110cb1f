// Optimizers update trainable tensors from their accumulated .grad. Parameters come in groups
// with per-group options (weight decay off for biases and norms, a learning-rate multiplier for
// LoRA+'s B matrices, and an option bag for the rest: an optimizer's own settings per group, a
// GaLore rank); state is per parameter and serialises by parameter name, so a resumed run
// continues bit for bit. Optimizers are built by name through optim/optimizer_registry.h.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hone/optim/step_plugins.h"
#include "hone/tensor/tensor.h"

namespace hone {

struct ParamGroup {
  std::string name;               // "decay", "no_decay", ...: for messages and metrics
  std::vector<Tensor> params;     // leaf f32 tensors with requires_grad; each must have a name
  double weight_decay = 0.0;
  double lr_scale = 1.0;          // this group's lr = schedule lr * lr_scale
  // Further options for this group, by key ({"beta2": 0.99}, {"galore.rank": 128}); the
  // optimizer's registry entry lists the keys it reads, and make_optimizer refuses any other.
  nlohmann::json options = nlohmann::json::object();

  // The number under `key`, or `fallback` when the group does not set it; Error naming the
  // group and key when it is not a number.
  double option(const std::string& key, double fallback) const;
};

// Optimizer state that goes into a checkpoint: tensors by name plus JSON scalars.
struct OptimizerState {
  std::vector<std::pair<std::string, Tensor>> tensors;
  nlohmann::json scalars = nlohmann::json::object();
};

class Optimizer {
 public:
  explicit Optimizer(std::vector<ParamGroup> groups);
  virtual ~Optimizer() = default;

  // One update with learning rate lr (before each group's lr_scale). Parameters whose .grad is
  // undefined (not reached by this step's graph) are left untouched, as in PyTorch.
  virtual void step(double lr) = 0;
  // Drops every parameter's gradient buffer.
  void zero_grad();

  virtual OptimizerState state() const = 0;
  // Restores state saved by state(); Error naming the missing or mismatched entry.
  virtual void load_state(const OptimizerState& state) = 0;

  // What this optimizer plugs into the training step (a forward-only gradient source, a step
  // hook that refreshes projections, ...); nothing by default.
  virtual void add_step_plugins(StepPlugins& /*plugins*/) {}

  const std::vector<ParamGroup>& groups() const { return groups_; }
  int64_t steps_taken() const { return steps_; }

 protected:
  std::vector<ParamGroup> groups_;
  int64_t steps_ = 0;
};

}  // namespace hone
