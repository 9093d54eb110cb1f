// Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_.
#pragma once

#include <vector>

#include "hone/tensor/tensor.h"

namespace hone {

// The L2 norm of all gradients together (computed in double); if it exceeds max_norm (> 0),
// every gradient is scaled by max_norm / (norm + 1e-6). Returns the norm before clipping.
// Parameters without a gradient are skipped. max_norm <= 0 only measures.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

}  // namespace hone
