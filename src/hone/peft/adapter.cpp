#include "hone/peft/adapter.h"

namespace hone {

int64_t Adapter::trainable_parameter_count() const {
  int64_t n = 0;
  for (const auto& [name, t] : trainable_tensors()) n += t.numel();
  return n;
}

}  // namespace hone
