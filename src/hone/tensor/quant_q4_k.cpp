// Q4_K: super-blocks of 256 weights in 8 sub-blocks of 32. Layout (144 bytes): fp16 d, fp16 dmin,
// 12 bytes of packed 6-bit sub-block scales and mins, 128 bytes of nibbles; x = d*sc*q - dmin*m.
// Dequantization is exactly ggml's. Quantization is hone's own (not ggml's weighted search): the
// sub-block range is covered by rounding scales up, so every weight is within half a step
// (d*sc/2) of its value — a bound the tests check.
#include <algorithm>
#include <cmath>

#include "hone/tensor/quant_blocks.h"

namespace hone::quant {

namespace {
constexpr int kBlock = 256;
constexpr int kBytes = 144;
constexpr int kSub = 32;
constexpr int kSubBlocks = kBlock / kSub;

// get_scale_min_k4: the first four sub-blocks keep 6 bits in bytes 0-7; the last four split
// theirs into a nibble in bytes 8-11 and two high bits in the top of bytes 0-7.
void unpack_scale_min(int j, const uint8_t* packed, int& scale, int& min) {
  if (j < 4) {
    scale = packed[j] & 63;
    min = packed[j + 4] & 63;
  } else {
    scale = (packed[j + 4] & 0x0F) | ((packed[j - 4] >> 6) << 4);
    min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
  }
}

void pack_scales_mins(const int* scales, const int* mins, uint8_t* packed) {
  for (int j = 0; j < 4; ++j) {
    packed[j] = uint8_t((scales[j] & 63) | ((scales[j + 4] >> 4) << 6));
    packed[j + 4] = uint8_t((mins[j] & 63) | ((mins[j + 4] >> 4) << 6));
    packed[j + 8] = uint8_t((scales[j + 4] & 0x0F) | ((mins[j + 4] & 0x0F) << 4));
  }
}

// The smallest k in [0, 63] with k * unit >= value (value >= 0), or 0 when unit is 0.
int ceil_steps(float value, float unit) {
  if (unit <= 0.0f) return 0;
  return truncate_clamped(std::ceil(value / unit), 0, 63);
}
}  // namespace

void dequantize_q4_k(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kBytes, dst += kBlock) {
    const float d = load_f16(src);
    const float dmin = load_f16(src + 2);
    const uint8_t* packed = src + 4;
    const uint8_t* qs = src + 16;
    for (int chunk = 0; chunk < 4; ++chunk) {
      int sc_lo, m_lo, sc_hi, m_hi;
      unpack_scale_min(2 * chunk, packed, sc_lo, m_lo);
      unpack_scale_min(2 * chunk + 1, packed, sc_hi, m_hi);
      const float d_lo = d * float(sc_lo), min_lo = dmin * float(m_lo);
      const float d_hi = d * float(sc_hi), min_hi = dmin * float(m_hi);
      const uint8_t* q = qs + 32 * chunk;
      float* y = dst + 64 * chunk;
      for (int l = 0; l < 32; ++l) y[l] = d_lo * float(q[l] & 0x0F) - min_lo;
      for (int l = 0; l < 32; ++l) y[32 + l] = d_hi * float(q[l] >> 4) - min_hi;
    }
  }
}

void quantize_q4_k(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kBlock, dst += kBytes) {
    // The min is an offset subtracted from non-negative levels, so it is clamped to <= 0 as in ggml.
    float lowest[kSubBlocks], highest[kSubBlocks];
    float max_offset = 0.0f;
    for (int j = 0; j < kSubBlocks; ++j) {
      const float* x = src + j * kSub;
      lowest[j] = 0.0f;
      highest[j] = x[0];
      for (int l = 0; l < kSub; ++l) {
        lowest[j] = std::min(lowest[j], x[l]);
        highest[j] = std::max(highest[j], x[l]);
      }
      max_offset = std::max(max_offset, -lowest[j]);
    }
    const uint16_t dmin_bits = f16_round_up(max_offset / 63.0f);
    const float dmin = f16_to_f32(dmin_bits);
    int mins[kSubBlocks], scales[kSubBlocks];
    float offsets[kSubBlocks], needed_scale[kSubBlocks];
    float max_scale = 0.0f;
    for (int j = 0; j < kSubBlocks; ++j) {
      mins[j] = ceil_steps(-lowest[j], dmin);
      offsets[j] = dmin * float(mins[j]);
      // Level 15 must reach the sub-block's maximum once the (rounded-up) offset is subtracted.
      needed_scale[j] = std::max(0.0f, (highest[j] + offsets[j]) / 15.0f);
      max_scale = std::max(max_scale, needed_scale[j]);
    }
    const uint16_t d_bits = f16_round_up(max_scale / 63.0f);
    const float d = f16_to_f32(d_bits);
    for (int j = 0; j < kSubBlocks; ++j) scales[j] = ceil_steps(needed_scale[j], d);
    store_f16(dst, d_bits);
    store_f16(dst + 2, dmin_bits);
    pack_scales_mins(scales, mins, dst + 4);
    uint8_t* qs = dst + 16;
    for (int chunk = 0; chunk < 4; ++chunk) {
      uint8_t levels[2][32];
      for (int half = 0; half < 2; ++half) {
        const int j = 2 * chunk + half;
        const float step = d * float(scales[j]);
        const float* x = src + j * kSub;
        for (int l = 0; l < 32; ++l)
          levels[half][l] = step > 0.0f ? uint8_t(truncate_clamped(std::round((x[l] + offsets[j]) / step), 0, 15)) : 0;
      }
      for (int l = 0; l < 32; ++l) qs[32 * chunk + l] = uint8_t(levels[0][l] | (levels[1][l] << 4));
    }
  }
}

}  // namespace hone::quant
