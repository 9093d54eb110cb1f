#include "hone/optim/schedule.h"

#include <algorithm>
#include <cmath>

#include "hone/util/error.h"

namespace hone {

void LrSchedule::validate() const {
  HONE_CHECK(type == "constant" || type == "linear" || type == "cosine", "schedule: unknown type '", type,
             "' (expected constant, linear or cosine)");
  HONE_CHECK(peak_lr >= 0 && std::isfinite(peak_lr), "lr: must be a finite non-negative number, got ", peak_lr);
  HONE_CHECK(warmup_steps >= 0, "warmup_steps: must be >= 0, got ", warmup_steps);
  HONE_CHECK(total_steps >= 1, "max_steps: must be >= 1, got ", total_steps);
  HONE_CHECK(min_lr_ratio >= 0 && min_lr_ratio <= 1, "min_lr_ratio: must be in [0, 1], got ", min_lr_ratio);
}

double LrSchedule::lr_at(int64_t step) const {
  // transformers evaluates its lambdas at the scheduler's counter, which is 0 for the first
  // update; warmup reaches the peak at step == warmup_steps.
  if (step < warmup_steps) return peak_lr * double(step) / double(std::max<int64_t>(1, warmup_steps));
  if (type == "constant") return peak_lr;
  const double progress =
      double(step - warmup_steps) / double(std::max<int64_t>(1, total_steps - warmup_steps));
  double factor;
  if (type == "linear") {
    factor = std::max(0.0, 1.0 - progress);
  } else {  // cosine
    factor = std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
  }
  return peak_lr * (min_lr_ratio + (1.0 - min_lr_ratio) * factor);
}

}  // namespace hone
