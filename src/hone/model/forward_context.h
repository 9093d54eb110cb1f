// What one forward pass knows about the run, handed down through the model to every adapter and
// block hook (instead of state the trainer mutates behind them): whether it is training (dropout
// on), which optimizer step and micro-batch it belongs to, and the seed dropout masks derive from,
// so a checkpointed block that recomputes its forward draws the same masks.
#pragma once

#include <cstdint>

namespace hone {

struct ForwardContext {
  bool training = false;
  uint64_t seed = 0;        // the run's seed: each adapter draws from Rng(seed, its own stream)
  uint64_t step = 0;        // optimizer step (from 1) while training
  uint64_t micro_step = 0;  // micro-batches before this one in the run
};

}  // namespace hone
