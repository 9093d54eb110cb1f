// Differentiable reductions: sum and mean of all elements (a one-element tensor of shape [1]),
// and sum, mean and max along the last dimension (that dimension dropped, or kept as 1).
#pragma once

#include "hone/tensor/tensor.h"

namespace hone {

Tensor sum(const Tensor& a);
Tensor mean(const Tensor& a);
Tensor sum_last_dim(const Tensor& a, bool keepdim = false);
Tensor mean_last_dim(const Tensor& a, bool keepdim = false);
// The maximum of each row; its gradient flows to the first position that attains it.
Tensor max_last_dim(const Tensor& a, bool keepdim = false);

}  // namespace hone
