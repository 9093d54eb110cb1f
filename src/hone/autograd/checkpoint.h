// Activation checkpointing: run a block without keeping its activations, and recompute them
// during backward. Memory for a stack of blocks drops from all activations to each block's
// input plus one block's activations at a time, for one extra forward per block.
#pragma once

#include <functional>

#include "hone/tensor/tensor.h"

namespace hone {

using Block = std::function<Tensor(const Tensor&)>;

// Returns block(input). When grad mode is on, the block's forward runs under no_grad and only
// `input` is saved; backward reruns block(input) with grad mode on and backpropagates through
// it, accumulating into the block's parameters and returning the input's gradient. The block
// must be deterministic (dropout must draw from counter-based RNG positions it can replay).
Tensor checkpoint(const Block& block, const Tensor& input);

}  // namespace hone
