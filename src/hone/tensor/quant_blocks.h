// The ggml block formats one by one: per-format kernels behind quant.h's dispatch, and the
// helpers they share (fp16 fields read and written at any byte address, since GGUF tensors are
// used in place and blocks of 18 or 34 bytes leave their fields unaligned).
#pragma once

#include <cstdint>
#include <cmath>
#include <cstring>

#include "hone/tensor/half.h"

namespace hone::quant {

inline float load_f16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return f16_to_f32(h);
}

inline void store_f16(uint8_t* p, uint16_t h) { std::memcpy(p, &h, 2); }

// The smallest fp16 that is >= v (v >= 0, finite). Scales are rounded up so that the largest
// value of a block still fits the integer range after the scale is stored in half precision.
uint16_t f16_round_up(float v);

// int(v) (truncation) limited to [lo, hi], defined for every float: degenerate inputs (scales so
// small that their inverse overflows) must not turn into undefined float-to-int conversions.
inline int truncate_clamped(float v, int lo, int hi) {
  if (std::isnan(v)) return lo > 0 ? lo : (hi < 0 ? hi : 0);
  if (v <= float(lo)) return lo;
  if (v >= float(hi)) return hi;
  return int(v);
}

// Each function handles `blocks` consecutive blocks.
void dequantize_q8_0(const uint8_t* src, float* dst, int64_t blocks);
void quantize_q8_0(const float* src, uint8_t* dst, int64_t blocks);
void dequantize_q4_0(const uint8_t* src, float* dst, int64_t blocks);
void quantize_q4_0(const float* src, uint8_t* dst, int64_t blocks);
void dequantize_q4_k(const uint8_t* src, float* dst, int64_t blocks);
void quantize_q4_k(const float* src, uint8_t* dst, int64_t blocks);
void dequantize_q6_k(const uint8_t* src, float* dst, int64_t blocks);
void quantize_q6_k(const float* src, uint8_t* dst, int64_t blocks);

}  // namespace hone::quant
