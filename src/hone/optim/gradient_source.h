// How a training step obtains its gradients: by backpropagation (the default), or by another
// strategy a method or optimizer supplies (MeZO's forward-only estimate from two perturbed
// forward passes). A source sees the step's accumulated batch only through StepLoss, so it needs
// neither the data layer nor the trainer, and adding one never touches the trainer loop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hone/tensor/tensor.h"

namespace hone {

// The loss of one optimizer step's accumulated batch, one micro-batch at a time.
class StepLoss {
 public:
  virtual ~StepLoss() = default;
  // Which optimizer step this is (from 1): a source that draws random perturbations seeds them
  // from it (util/rng.h), so a resumed run draws the same ones.
  virtual int64_t step() const = 0;
  virtual int64_t micro_batches() const = 0;
  // Scored tokens of the whole accumulated batch. Each micro-batch's summed loss is divided by
  // this count (not its own), so the step's loss is the mean over every token it scores.
  virtual int64_t scored_tokens() const = 0;
  // Forward pass on micro-batch i in training mode: its loss summed over its scored tokens,
  // recorded for backward when grad mode is on; undefined when it scores nothing. Calling it
  // again for the same i draws the same dropout masks (a forward-only source relies on that).
  virtual Tensor summed_loss(int64_t i) = 0;
};

struct GradientResult {
  double loss_sum = 0;  // summed token loss of the accumulated batch at the step's parameters
  double forward_s = 0, backward_s = 0;
};

class GradientSource {
 public:
  virtual ~GradientSource() = default;
  virtual std::string name() const = 0;
  // Leaves in p.grad, for each p of `trainable` (leaves that require a gradient and hold none
  // yet), the gradient of the step's mean loss or an estimate of it. A tensor left without a
  // gradient is not updated at this step. Leaf gradients can be given with
  // backward(p, gradient) (autograd/backward.h), which accumulates into p.grad.
  virtual GradientResult compute(StepLoss& loss, const std::vector<Tensor>& trainable) = 0;
};

// Backpropagation as llm.c splits it: per micro-batch a forward pass to the loss, then backward
// from the loss divided by the step's scored tokens, gradients accumulating over micro-batches.
class BackpropGradients final : public GradientSource {
 public:
  std::string name() const override { return "backprop"; }
  GradientResult compute(StepLoss& loss, const std::vector<Tensor>& trainable) override;
};

}  // namespace hone
