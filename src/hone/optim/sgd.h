// SGD with optional momentum, dampening, Nesterov and (coupled, L2) weight decay, in the same
// operation order as torch.optim.SGD.
#pragma once

#include "hone/optim/optimizer.h"
#include "hone/util/option_section.h"

namespace hone {

struct SgdOptions {
  double momentum = 0.0, dampening = 0.0;
  bool nesterov = false;
};

// Its recipe key: momentum (top-level, as recipes have always had it). A group may override
// momentum and dampening with the options "momentum" and "dampening".
const OptionSection<SgdOptions>& sgd_section();

class Sgd : public Optimizer {
 public:
  Sgd(std::vector<ParamGroup> groups, const SgdOptions& options);
  void step(double lr) override;
  OptimizerState state() const override;
  void load_state(const OptimizerState& state) override;

 private:
  struct GroupSettings {
    double momentum, dampening;
  };
  std::vector<GroupSettings> group_settings_;  // per group: the options with the group's overrides
  bool nesterov_;
  std::map<std::string, Tensor> buffers_;  // momentum buffers by parameter name
};

}  // namespace hone
