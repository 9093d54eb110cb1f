// Reverse-mode differentiation over the recorded graph.
#pragma once

#include "hone/tensor/tensor.h"

namespace hone {

// Accumulates d(root)/d(leaf) into every reachable leaf's .grad. `grad` is d(loss)/d(root); it
// may be omitted for a one-element root (then 1). The graph is released as it is walked: a
// second backward through the same nodes is an error.
void backward(const Tensor& root, const Tensor& grad = Tensor());

}  // namespace hone
