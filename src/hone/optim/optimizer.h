// Optimizers update trainable tensors from their accumulated .grad. Parameters come in groups
// with per-group options (weight decay off for biases and norms, a learning-rate multiplier for
// LoRA+ style setups); state is per parameter and serialises by parameter name, so a resumed
// run continues bit for bit.
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

// Options shared by the factory and the recipe layer.
struct OptimizerOptions {
  std::string type = "adamw";  // adamw | sgd
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adamw
  double momentum = 0.0, dampening = 0.0;          // sgd
  bool nesterov = false;                           // sgd
};

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options, std::vector<ParamGroup> groups);

}  // namespace hone
