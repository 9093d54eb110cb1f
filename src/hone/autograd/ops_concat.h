// Prepending along the sequence dimension, as prefix tuning prepends learned keys and values to
// each attention layer's own.
#pragma once

#include "hone/tensor/tensor.h"

namespace hone {

// [prefix ; x] along dimension 1: prefix [1 or B, P, ...] (one prefix shared by the batch, or one
// per row) and x [B, S, ...] with the same trailing dimensions and dtype give [B, P + S, ...].
// Differentiable in both; a shared prefix's gradient is summed over the batch.
Tensor prepend_along_seq(const Tensor& prefix, const Tensor& x);

}  // namespace hone
