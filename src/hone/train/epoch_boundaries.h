// Tells step hooks where epochs begin and end, from the batcher's data position around each
// step. Boundaries are reported between steps: a step whose micro-batches run past the end of an
// epoch ends it, and the next epoch begins before the following step. The state goes into
// checkpoints, so a resumed run reports the boundaries a run that never stopped would have.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "hone/data/batcher.h"
#include "hone/optim/step_hook.h"

namespace hone {

class EpochBoundaries {
 public:
  // `position`: where the data stands before the step draws its micro-batches.
  void before_step(const DataPosition& position, const std::vector<std::shared_ptr<StepHook>>& hooks);
  // `position`: where it stands after.
  void after_step(const DataPosition& position, const std::vector<std::shared_ptr<StepHook>>& hooks);

  nlohmann::json to_json() const;
  // Error naming the missing or mistyped key.
  static EpochBoundaries from_json(const nlohmann::json& json);

 private:
  int64_t current_ = -1;       // the epoch being trained (-1 before the first step)
  bool begin_pending_ = false; // current_ began during the last step; announce it before the next
};

}  // namespace hone
