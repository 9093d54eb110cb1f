// Differentiable matrix products.
#pragma once

#include "hone/tensor/tensor.h"

namespace hone {

// op(a) @ op(b), where op transposes the last two dimensions when its flag is set.
// a is [..., M, K] after op; b is either 2-D (one matrix for every batch item) or has a's
// batch dimensions. A shared 2-D b with trans_a is not supported.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

// y = x @ w^T + bias, with w in Hugging Face's [out_features, in_features] layout and bias
// [out_features] or undefined. x is [..., in_features]. A frozen w may be stored in bf16, f16
// or a block type (q8_0, ...): it is widened inside the product (in registers for a few rows, a
// tile at a time for more), never as a whole f32 copy. Only a w that requires a gradient gets a
// weight-gradient product in backward, and only then does backward keep x.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias = Tensor());

}  // namespace hone
