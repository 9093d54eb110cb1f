#include "hone/train/epoch_boundaries.h"

#include "hone/util/error.h"

namespace hone {

void EpochBoundaries::before_step(const DataPosition& position, const std::vector<std::shared_ptr<StepHook>>& hooks) {
  bool begin = false;
  if (current_ < 0) {
    current_ = position.epoch;
    begin = position.consumed == 0;
  } else {
    begin = begin_pending_;
  }
  begin_pending_ = false;
  if (begin)
    for (const auto& h : hooks) h->on_epoch_begin(current_);
}

void EpochBoundaries::after_step(const DataPosition& position, const std::vector<std::shared_ptr<StepHook>>& hooks) {
  // A step may span more than one epoch when an epoch holds fewer micro-batches than a step.
  while (current_ < position.epoch) {
    for (const auto& h : hooks) h->on_epoch_end(current_);
    ++current_;
    begin_pending_ = true;
    if (current_ < position.epoch)
      for (const auto& h : hooks) h->on_epoch_begin(current_);
  }
}

nlohmann::json EpochBoundaries::to_json() const { return {{"epoch", current_}, {"begin_pending", begin_pending_}}; }

EpochBoundaries EpochBoundaries::from_json(const nlohmann::json& json) {
  HONE_CHECK(json.is_object() && json.contains("epoch") && json["epoch"].is_number_integer() &&
                 json.contains("begin_pending") && json["begin_pending"].is_boolean(),
             "epoch boundaries must be {\"epoch\": integer, \"begin_pending\": bool}, got ", json.dump());
  EpochBoundaries b;
  b.current_ = json["epoch"].get<int64_t>();
  b.begin_pending_ = json["begin_pending"].get<bool>();
  return b;
}

}  // namespace hone
