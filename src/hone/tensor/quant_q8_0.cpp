// Q8_0: blocks of 32 weights, an fp16 scale d then 32 int8 quants; x = d * q.
// Quantization follows ggml's quantize_row_q8_0_ref rounding so files match llama.cpp's byte for byte.
#include <cmath>

#include "hone/tensor/quant_blocks.h"

namespace hone::quant {

namespace {
constexpr int kBlock = 32;
constexpr int kBytes = 34;
}  // namespace

void dequantize_q8_0(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kBytes, dst += kBlock) {
    const float d = load_f16(src);
    const auto* qs = reinterpret_cast<const int8_t*>(src + 2);
    for (int j = 0; j < kBlock; ++j) dst[j] = float(qs[j]) * d;
  }
}

void quantize_q8_0(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kBlock, dst += kBytes) {
    float amax = 0.0f;
    for (int j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(src[j]));
    // The quants are rounded against the f32 scale, not the fp16 one that is stored: that is
    // ggml's reference behaviour, kept so that hone's q8_0 files are identical to llama.cpp's.
    const float d = amax / 127.0f;
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    store_f16(dst, f32_to_f16(d));
    auto* qs = reinterpret_cast<int8_t*>(dst + 2);
    for (int j = 0; j < kBlock; ++j) qs[j] = int8_t(truncate_clamped(std::round(src[j] * inverse), -127, 127));
  }
}

}  // namespace hone::quant
