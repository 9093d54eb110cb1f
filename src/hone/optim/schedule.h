// Learning-rate schedules with linear warmup, matching Hugging Face transformers'
// get_constant_schedule_with_warmup, get_linear_schedule_with_warmup and
// get_cosine_schedule_with_warmup (half a cosine period, decaying to zero at total_steps).
#pragma once

#include <cstdint>
#include <string>

namespace hone {

struct LrSchedule {
  std::string type = "constant";  // constant | linear | cosine
  double peak_lr = 1e-4;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  double min_lr_ratio = 0.0;  // cosine and linear decay floor, as a fraction of peak_lr

  // The learning rate for update number `step` (0-based: the first optimizer step uses step 0).
  double lr_at(int64_t step) const;
  // Error naming the key if the type or the numbers make no sense.
  void validate() const;
};

}  // namespace hone
