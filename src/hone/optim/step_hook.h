// Hooks at the boundaries of training, for a method or optimizer that acts between steps: LISA
// resamples its active layers, SpIEL drops and regrows its sparse entries, GaLore refreshes its
// projectors. Steps count from 1, epochs from 0. The order is: on_epoch_begin(e), then each
// step's begin, gradients and end, then on_epoch_end(e) after the step in which epoch e's data
// ran out.
// A run resumed at a checkpoint sees the same boundaries from there as one that never stopped.
#pragma once

#include <cstdint>
#include <vector>

#include "hone/tensor/tensor.h"

namespace hone {

class StepHook {
 public:
  virtual ~StepHook() = default;
  virtual void on_epoch_begin(int64_t /*epoch*/) {}
  // Before the step's trainable selection and gradients.
  virtual void on_step_begin(int64_t /*step*/) {}
  // After the gradients, before clipping and the update: each tensor trained at this step holds
  // its gradient in .grad (SpIEL's growth criterion, gradient statistics).
  virtual void on_gradients(int64_t /*step*/, const std::vector<Tensor>& /*trained*/) {}
  // After the update; `loss` is the step's mean loss per scored token.
  virtual void on_step_end(int64_t /*step*/, double /*loss*/) {}
  virtual void on_epoch_end(int64_t /*epoch*/) {}
};

}  // namespace hone
