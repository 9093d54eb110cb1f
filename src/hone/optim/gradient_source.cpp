#include "hone/optim/gradient_source.h"

#include "hone/autograd/backward.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/util/timer.h"

namespace hone {

GradientResult BackpropGradients::compute(StepLoss& loss, const std::vector<Tensor>& /*trainable*/) {
  GradientResult r;
  const double inv_scored = 1.0 / double(loss.scored_tokens());
  for (int64_t i = 0; i < loss.micro_batches(); ++i) {
    Timer forward;
    const Tensor summed = loss.summed_loss(i);
    if (!summed.defined()) continue;
    r.loss_sum += summed.item();
    r.forward_s += forward.seconds();
    Timer back;
    backward(scale(summed, inv_scored));
    r.backward_s += back.seconds();
  }
  return r;
}

}  // namespace hone
