// Differentiable row normalisations over the last dimension: RMSNorm (Llama, Mistral, Qwen2)
// and LayerNorm (GPT-2-style models, adapters). Each saves only its input and per-row statistics.
#pragma once

#include "hone/tensor/tensor.h"

namespace hone {

// Hugging Face's LlamaRMSNorm: x * rsqrt(mean(x^2, -1) + eps) * weight, x [..., D], weight [D].
Tensor rms_norm(const Tensor& x, const Tensor& weight, double eps);

// torch.nn.functional.layer_norm over the last dimension. weight and bias are [D] or undefined
// (no elementwise affine part).
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps);

}  // namespace hone
