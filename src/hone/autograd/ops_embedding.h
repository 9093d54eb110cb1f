// Differentiable embedding lookup: rows of a [V, D] table gathered by I32 token ids.
#pragma once

#include "hone/tensor/tensor.h"

namespace hone {

// weight [V, D], ids I32 of any shape up to 3-D -> [...ids shape, D]. A trainable weight must be
// f32 or f64 (its gradient is a deterministic scatter-add); a frozen one may be stored in bf16,
// f16 or a block-quantized type and is gathered into f32. An id outside [0, V) is an Error
// naming the id, its position and V.
Tensor embedding(const Tensor& weight, const Tensor& ids);

}  // namespace hone
