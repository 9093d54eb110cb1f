// Q6_K: super-blocks of 256 weights in 16 groups of 16. Layout (210 bytes): ql[128] low 4 bits,
// qh[64] high 2 bits, int8 scales[16], fp16 d; x = d * scale[group] * (q - 32).
// Dequantization is exactly ggml's. Quantization is hone's own: each group's signed extreme maps
// to level -32 with its scale rounded away from zero, so a weight is within one step (d*|scale|)
// of its value, and within half a step unless it is the opposite extreme.
#include <algorithm>
#include <cmath>

#include "hone/tensor/quant_blocks.h"

namespace hone::quant {

namespace {
constexpr int kBlock = 256;
constexpr int kBytes = 210;
constexpr int kGroup = 16;
constexpr int kGroups = kBlock / kGroup;
}  // namespace

void dequantize_q6_k(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kBytes, dst += kBlock) {
    const float d = load_f16(src + 208);
    // Two halves of 128 weights; in each, byte l of ql/qh feeds weights l, l+32, l+64, l+96.
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = src + 64 * half;
      const uint8_t* qh = src + 128 + 32 * half;
      const auto* sc = reinterpret_cast<const int8_t*>(src + 192 + 8 * half);
      float* y = dst + 128 * half;
      for (int l = 0; l < 32; ++l) {
        const int g = l / 16;
        const int q1 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * float(sc[g]) * float(q1);
        y[l + 32] = d * float(sc[g + 2]) * float(q2);
        y[l + 64] = d * float(sc[g + 4]) * float(q3);
        y[l + 96] = d * float(sc[g + 6]) * float(q4);
      }
    }
  }
}

void quantize_q6_k(const float* src, uint8_t* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += kBlock, dst += kBytes) {
    float group_scale[kGroups];  // signed: the extreme maps to level -32
    float max_scale = 0.0f;
    for (int g = 0; g < kGroups; ++g) {
      float amax = 0.0f, extreme = 0.0f;
      for (int l = 0; l < kGroup; ++l) {
        const float v = src[g * kGroup + l];
        if (std::fabs(v) > amax) {
          amax = std::fabs(v);
          extreme = v;
        }
      }
      group_scale[g] = extreme / -32.0f;
      max_scale = std::max(max_scale, amax / 32.0f);
    }
    const uint16_t d_bits = f16_round_up(max_scale / 127.0f);
    const float d = f16_to_f32(d_bits);
    int8_t scales[kGroups];
    for (int g = 0; g < kGroups; ++g) {
      const int magnitude = d > 0.0f ? truncate_clamped(std::ceil(std::fabs(group_scale[g]) / d), 0, 127) : 0;
      scales[g] = int8_t(group_scale[g] < 0.0f ? -magnitude : magnitude);
    }
    uint8_t levels[kBlock];
    for (int i = 0; i < kBlock; ++i) {
      const float step = d * float(scales[i / kGroup]);
      levels[i] = step != 0.0f ? uint8_t(truncate_clamped(std::round(src[i] / step), -32, 31) + 32) : 32;
    }
    uint8_t* ql = dst;
    uint8_t* qh = dst + 128;
    for (int half = 0; half < 2; ++half) {
      const uint8_t* q = levels + 128 * half;
      for (int l = 0; l < 32; ++l) {
        ql[64 * half + l] = uint8_t((q[l] & 0x0F) | ((q[l + 64] & 0x0F) << 4));
        ql[64 * half + l + 32] = uint8_t((q[l + 32] & 0x0F) | ((q[l + 96] & 0x0F) << 4));
        qh[32 * half + l] =
            uint8_t((q[l] >> 4) | ((q[l + 32] >> 4) << 2) | ((q[l + 64] >> 4) << 4) | ((q[l + 96] >> 4) << 6));
      }
    }
    std::copy(scales, scales + kGroups, reinterpret_cast<int8_t*>(dst + 192));
    store_f16(dst + 208, d_bits);
  }
}

}  // namespace hone::quant
