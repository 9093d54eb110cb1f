// Differentiable rotary position embedding on [B, T, H, Dh] (the layout q and k have straight
// out of their projections), with explicit positions so KV-cache offsets and packed sequences
// need nothing special.
#pragma once

#include <memory>

#include "hone/tensor/kernels_rope.h"
#include "hone/tensor/tensor.h"

namespace hone {

// Rotates every head of x [B, T, H, Dh] by its token's position. positions is I32, [T] (shared
// by the batch; a decoding step with a KV cache passes offset..offset+T-1) or [B, T] (per row:
// packed examples restart at 0). Positions must lie in [0, table->max_positions()).
Tensor rope(const Tensor& x, const Tensor& positions, std::shared_ptr<const RopeTable> table);

// Positions start, start + 1, ..., start + length - 1 as an I32 [length] tensor.
Tensor rope_positions(int64_t length, int64_t start = 0);

}  // namespace hone
