// trainer_state.json in a checkpoint folder: where the run stood when the checkpoint was written.
// Read with every key checked, so a damaged or hand-edited file (a negative step, a number out of
// range, invalid JSON) ends in one error naming the file and key rather than a resume that runs
// with a negative learning rate or an uncaught exception.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "hone/optim/optimizer.h"

namespace hone {

struct TrainerState {
  int64_t step = 0;           // optimizer steps done, >= 0
  uint64_t micro_step = 0;    // micro-batches seen (dropout masks depend on it)
  std::string method;         // "lora", "full", ...
  nlohmann::json data_position;  // Batcher position (object)
  nlohmann::json optimizer;      // the optimizer's scalar state (object)
  nlohmann::json epoch_boundaries;  // EpochBoundaries (object); null in checkpoints written before it existed
};

// Error "<path>: key 'K': ..." on anything missing or of the wrong type or range.
TrainerState read_trainer_state(const std::string& path);

// optimizer.load_state(state), where state.scalars came from `source`'s "optimizer" key: a step
// count that is negative or not an integer, or any JSON type mismatch, is an Error naming it.
void restore_optimizer_state(Optimizer& optimizer, const OptimizerState& state, const std::string& source);

}  // namespace hone
