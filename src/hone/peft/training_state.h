// What adapters need to know about the current step: whether the model is training (dropout
// on) and which micro-batch this is, so dropout masks are reproducible from the run's seed and
// identical when a checkpointed block recomputes its forward.
#pragma once

#include <cstdint>

namespace hone {

struct TrainingState {
  bool training = false;
  uint64_t seed = 0;
  uint64_t micro_step = 0;  // advanced by the trainer once per micro-batch
};

}  // namespace hone
