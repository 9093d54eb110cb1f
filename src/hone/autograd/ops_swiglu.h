// SwiGLU as one differentiable op: swiglu(gate, up) = silu(gate) * up, the activation between a
// Llama MLP's gate/up projections and its down projection. Same values as mul(silu(gate), up),
// but one pass each way, and backward keeps only gate and up alive (silu + mul also kept
// silu(gate), one more [tokens, intermediate] tensor per layer).
#pragma once

#include "hone/tensor/tensor.h"

namespace hone {

// gate and up: same shape, same float dtype (f32 or f64).
Tensor swiglu(const Tensor& gate, const Tensor& up);

}  // namespace hone
