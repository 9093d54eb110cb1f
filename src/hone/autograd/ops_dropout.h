// Inverted dropout whose mask is a pure function of (rng seed, stream, offset, element index):
// nothing is stored for backward, and a checkpointed block that recomputes its forward draws
// exactly the same mask.
#pragma once

#include <cstdint>

#include "hone/tensor/tensor.h"
#include "hone/util/rng.h"

namespace hone {

// Zeroes each element with probability p and scales the rest by 1 / (1 - p). Element i uses
// rng.uniform(offset + i). p == 0 returns x itself.
Tensor dropout(const Tensor& x, double p, const Rng& rng, uint64_t offset);

}  // namespace hone
