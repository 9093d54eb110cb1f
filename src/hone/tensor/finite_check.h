// Finding NaN and infinity in stored values: a model or adapter file with one NaN weight would
// otherwise load, evaluate and train to non-finite (or, behind masks, to finite but wrong)
// numbers. One pass over the bits, no conversion; block-quantized tensors are not inspected
// (their scales are checked when they are widened).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hone/tensor/tensor.h"

namespace hone {

// Index of the first NaN or infinity in a F32/F64/BF16/F16 tensor; nullopt when all are finite
// (or the dtype is I32 or a block type).
std::optional<int64_t> first_non_finite(const Tensor& t);

// Error "<source>: tensor '<name>' holds a non-finite value (nan) at element i of [shape]".
void check_finite(const Tensor& t, const std::string& name, const std::string& source);

}  // namespace hone
