// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay and bias correction, with the
// same operation order as torch.optim.AdamW so f32 trajectories agree to rounding.
#pragma once

#include "hone/optim/optimizer.h"
#include "hone/util/option_section.h"

namespace hone {

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

// Its recipe keys: adam_beta1, adam_beta2, adam_epsilon (top-level, the names recipes have
// always used). A group may override them with the options "beta1", "beta2", "eps", as a
// torch.optim parameter group does.
const OptionSection<AdamWOptions>& adamw_section();

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options);
  void step(double lr) override;
  OptimizerState state() const override;
  void load_state(const OptimizerState& state) override;

 private:
  struct Moments {
    Tensor exp_avg, exp_avg_sq;
    int64_t step = 0;  // per parameter: a parameter without a gradient does not advance
  };
  struct GroupSettings {
    double beta1, beta2, eps;
  };
  std::vector<GroupSettings> group_settings_;  // per group: the options, with the group's overrides
  std::map<std::string, Moments> moments_;
};

}  // namespace hone
