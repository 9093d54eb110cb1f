// Element-wise dtype conversion between any two dtypes. Block-quantized types convert through
// their row (de)quantizers in quant.h.
#pragma once

#include <cstdint>

#include "hone/tensor/dtype.h"

namespace hone {

void convert_elements(const void* src, DType src_dtype, void* dst, DType dst_dtype, int64_t n);

}  // namespace hone
