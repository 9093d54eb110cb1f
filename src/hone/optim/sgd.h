// SGD with optional momentum, dampening, Nesterov and (coupled, L2) weight decay, in the same
// operation order as torch.optim.SGD.
#pragma once

#include "hone/optim/optimizer.h"

namespace hone {

class Sgd : public Optimizer {
 public:
  Sgd(std::vector<ParamGroup> groups, double momentum, double dampening, bool nesterov);
  void step(double lr) override;
  OptimizerState state() const override;
  void load_state(const OptimizerState& state) override;

 private:
  double momentum_, dampening_;
  bool nesterov_;
  std::map<std::string, Tensor> buffers_;  // momentum buffers by parameter name
};

}  // namespace hone
