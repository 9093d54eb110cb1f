// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay and bias correction, with the
// same operation order as torch.optim.AdamW so f32 trajectories agree to rounding.
#pragma once

#include "hone/optim/optimizer.h"

namespace hone {

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<ParamGroup> groups, double beta1, double beta2, double eps);
  void step(double lr) override;
  OptimizerState state() const override;
  void load_state(const OptimizerState& state) override;

 private:
  struct Moments {
    Tensor exp_avg, exp_avg_sq;
    int64_t step = 0;  // per parameter: a parameter without a gradient does not advance
  };
  double beta1_, beta2_, eps_;
  std::map<std::string, Moments> moments_;
};

}  // namespace hone
