// Differentiable softmax and log-softmax along the last dimension (max-subtracted, so large
// logits are safe). Both save only their output for backward.
#pragma once

#include "hone/tensor/tensor.h"

namespace hone {

Tensor softmax(const Tensor& a);
Tensor log_softmax(const Tensor& a);

}  // namespace hone
