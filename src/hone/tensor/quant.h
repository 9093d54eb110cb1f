// Row (de)quantizers for the block-quantized dtypes. A "row" is n consecutive elements, n a
// multiple of the dtype's block size. Block layouts follow ggml exactly
// (../shared/reference/gguf-and-llama-cpp.md), so GGUF tensors are used in place.
#pragma once

#include <cstdint>

#include "hone/tensor/dtype.h"

namespace hone {

void dequantize_row(DType dtype, const void* src, float* dst, int64_t n);
void quantize_row(DType dtype, const float* src, void* dst, int64_t n);

}  // namespace hone
