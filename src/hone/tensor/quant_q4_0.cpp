// Q4_0: blocks of 32 weights, an fp16 scale d then 16 bytes of nibbles; byte j holds weight j
// (low nibble) and weight j+16 (high nibble); x = d * (q - 8).
// Quantization follows ggml's quantize_row_q4_0_ref rounding so files match llama.cpp's byte for byte.
#include <algorithm>
#include <cmath>

#include "hone/tensor/quant_blocks.h"

namespace hone::quant {

namespace {
constexpr int kBlock = 32;
constexpr int kBytes = 18;

// Rounds a*b to f32 before anything is added to it. Without the volatile store the compiler may
// fuse the multiply with the following add (FMA), which moves a few ties to the other level and
// breaks byte equality with ggml's reference quantizer.
inline float rounded_product(float a, float b) {
  volatile float product = a * b;
  return product;
}

inline uint8_t level(float x, float inverse) {
  const float shifted = rounded_product(x, inverse) + 8.5f;  // in [0.5, 16.5] since |x * inverse| <= 8
  return uint8_t(truncate_clamped(shifted, 0, 15));  // truncates, as ggml's (int8_t) cast does
}
}  // namespace

void dequantize_q4_0(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kBytes, dst += kBlock) {
    const float d = load_f16(src);
    const uint8_t* qs = src + 2;
    for (int j = 0; j < kBlock / 2; ++j) {
      dst[j] = float((qs[j] & 0x0F) - 8) * d;
      dst[j + kBlock / 2] = float((qs[j] >> 4) - 8) * d;
    }
  }
}

void quantize_q4_0(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kBlock, dst += kBytes) {
    // The signed extreme (the first one on ties) maps exactly to level 0, i.e. -8 * d.
    float amax = 0.0f, extreme = 0.0f;
    for (int j = 0; j < kBlock; ++j) {
      if (amax < std::fabs(src[j])) {
        amax = std::fabs(src[j]);
        extreme = src[j];
      }
    }
    const float d = extreme / -8.0f;
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    store_f16(dst, f32_to_f16(d));
    uint8_t* qs = dst + 2;
    for (int j = 0; j < kBlock / 2; ++j)
      qs[j] = uint8_t(level(src[j], inverse) | (level(src[j + kBlock / 2], inverse) << 4));
  }
}

}  // namespace hone::quant
