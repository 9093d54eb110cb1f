#include "hone/autograd/checkpoint.h"

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/autograd/record.h"

namespace hone {

Tensor checkpoint(const Block& block, const Tensor& input) {
  if (!grad_enabled()) return block(input);
  Tensor output;
  {
    NoGradGuard no_grad;
    output = block(input);
  }
  // Record even when the input needs no gradient: the block's own parameters may. The edge to
  // an input without a gradient is simply empty.
  const bool input_needs_grad = input.requires_grad();
  BackwardFn rule = [block, input, input_needs_grad](const Tensor& grad, const std::vector<bool>&) {
    GradModeGuard recording(true);
    Tensor x = input.detach();
    if (input_needs_grad) x.set_requires_grad(true);
    Tensor y = block(x);
    if (y.requires_grad()) hone::backward(y, grad);
    return std::vector<Tensor>{input_needs_grad ? x.grad() : Tensor()};
  };
  output = output.detach();
  // record() only attaches a node when some input needs a gradient; the block's parameters are
  // invisible to it, so attach the node directly.
  std::vector<Edge> edges(1);
  if (input.impl().grad_fn) edges[0].node = input.impl().grad_fn;
  else if (input.impl().requires_grad) edges[0].leaf = input.impl_ptr();
  output.impl().grad_fn = std::make_shared<Node>("checkpoint", std::move(edges), std::move(rule));
  return output;
}

}  // namespace hone
