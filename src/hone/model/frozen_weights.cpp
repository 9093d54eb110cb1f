#include "hone/model/frozen_weights.h"

#include <string_view>

namespace hone {

int64_t store_frozen_projections(DecoderModel& model, DType dtype) {
  int64_t converted = 0;
  for (auto& [name, t] : model.named_parameters()) {
    if (t->rank() != 2 || t->requires_grad() || t->dtype() != DType::F32) continue;
    if (!std::string_view(name).ends_with("_proj.weight")) continue;
    *t = t->to(dtype).set_name(name);
    ++converted;
  }
  return converted;
}

}  // namespace hone
