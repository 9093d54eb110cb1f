// A linear layer and one LoRA adapter on it as a single differentiable op:
//   y = x W^T (+ bias) + s * (x_l A^T) B^T
// with W [out, in], A [r, in], B [out, r], and x_l the adapter branch's input (x itself, or x
// after LoRA dropout). Composed from separate ops this is three products plus a scale and an add,
// each writing a [tokens, out] tensor and each a graph node; here the adapter's product
// accumulates straight into the base output (GEMM beta = 1), the scaling rides on GEMM alpha,
// and backward shares one dy·B product between dA and dx.
#pragma once

#include "hone/tensor/tensor.h"

namespace hone {

// x is [..., in]; bias is [out] or undefined; x_lora has x's shape and is either x itself (no
// dropout: one input gradient, dx = dy W + s (dy B) A) or another tensor (its gradient goes to
// it separately, e.g. back through a dropout op). Like `linear`, a frozen W may be stored in
// bf16/f16; only a W that requires a gradient gets a weight-gradient product, and only then is
// x kept for backward. Saved for backward: x_l and u = x_l A^T [tokens, r] besides the weights.
Tensor lora_linear(const Tensor& x, const Tensor& w, const Tensor& bias, const Tensor& x_lora, const Tensor& a,
                   const Tensor& b, double scaling);

}  // namespace hone
