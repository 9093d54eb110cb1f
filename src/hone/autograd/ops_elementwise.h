// Differentiable element-wise ops. Binary ops take b either with a's shape or with a's trailing
// shape (a bias [N] on [..., N]) or as a one-element tensor; b's gradient is summed back.
#pragma once

#include "hone/tensor/tensor.h"

namespace hone {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& a, double s);
Tensor exp(const Tensor& a);
Tensor silu(const Tensor& a);
Tensor gelu_tanh(const Tensor& a);
// A differentiable view with a new shape (one dimension may be -1).
Tensor reshape(const Tensor& a, const Shape& shape);

}  // namespace hone
