#include "hone/tensor/quant.h"

#include "hone/util/error.h"

namespace hone {

// The block formats arrive with the GGUF reader; until then every block type is refused clearly.
void dequantize_row(DType dtype, const void*, float*, int64_t) {
  HONE_FAIL("dequantizing ", dtype_name(dtype), " is not implemented yet");
}

void quantize_row(DType dtype, const float*, void*, int64_t) {
  HONE_FAIL("quantizing to ", dtype_name(dtype), " is not implemented yet");
}

}  // namespace hone
