// The product precision a training run uses: the recipe's `precision` resolved on this CPU
// ("auto" -> bf16 or f32), except that a resumed run keeps the precision its config.yaml records.
#pragma once

#include <string>

#include "hone/tensor/product_precision.h"

namespace hone {

// `requested` is f32, bf16 or auto. When resuming, the run folder's config.yaml (if it names a
// precision) decides for "auto"; an explicit request that differs from it is an error.
Precision resolve_run_precision(const std::string& requested, const std::string& config_path, bool resume);

}  // namespace hone
