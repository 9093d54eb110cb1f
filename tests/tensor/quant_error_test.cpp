// Quantize -> dequantize error bounds for every block format, on gaussian data with a spread of
// scales per block. Each bound is stated per element in terms of the step the block stores, plus
// an overall relative RMS error that catches a systematically poor choice of scales.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "hone/tensor/half.h"
#include "hone/tensor/quant.h"
#include "hone/util/rng.h"

namespace hone {
namespace {

// Gaussian values whose scale changes from block to block (and within K-quant super-blocks from
// sub-block to sub-block), with a few outliers, since real weight rows look like that.
std::vector<float> test_values(int64_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const float scale = std::exp(2.0f * rng.uniform(uint64_t(i / 32) + (1u << 20)) - 1.0f);
    x[size_t(i)] = scale * rng.normal(uint64_t(i));
    if (rng.bits(uint64_t(i) + (1u << 22)) % 97 == 0) x[size_t(i)] *= 6;
  }
  return x;
}

struct RoundTrip {
  std::vector<float> x, y;
  std::vector<uint8_t> blocks;
};

RoundTrip round_trip(DType dtype, int64_t n, uint64_t seed) {
  RoundTrip r;
  r.x = test_values(n, seed);
  r.blocks.resize(dtype_bytes(dtype, n));
  r.y.resize(size_t(n));
  quantize_row(dtype, r.x.data(), r.blocks.data(), n);
  dequantize_row(dtype, r.blocks.data(), r.y.data(), n);
  return r;
}

double relative_rmse(const RoundTrip& r) {
  double err = 0, ref = 0;
  for (size_t i = 0; i < r.x.size(); ++i) {
    err += (r.x[i] - r.y[i]) * double(r.x[i] - r.y[i]);
    ref += double(r.x[i]) * r.x[i];
  }
  return std::sqrt(err / ref);
}

float f16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return f16_to_f32(h);
}

constexpr int64_t kN = 256 * 64;

TEST(QuantError, Q8_0WithinAHalfStepPlusScaleRounding) {
  const RoundTrip r = round_trip(DType::Q8_0, kN, 1);
  for (int64_t b = 0; b < kN / 32; ++b) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(r.x[size_t(b * 32 + j)]));
    // Half a step, plus 127 levels times the fp16 rounding of the scale (2^-11 relative).
    const float bound = (0.5f + 127.0f / 2048.0f) * amax / 127.0f * 1.0001f;
    for (int j = 0; j < 32; ++j) {
      const size_t i = size_t(b * 32 + j);
      ASSERT_LE(std::fabs(r.x[i] - r.y[i]), bound) << "element " << i;
    }
  }
  EXPECT_LT(relative_rmse(r), 0.01);
}

TEST(QuantError, Q4_0WithinOneStepAndExtremeExact) {
  const RoundTrip r = round_trip(DType::Q4_0, kN, 2);
  for (int64_t b = 0; b < kN / 32; ++b) {
    float amax = 0;
    size_t at = 0;
    for (int j = 0; j < 32; ++j) {
      const size_t i = size_t(b * 32 + j);
      if (std::fabs(r.x[i]) > amax) amax = std::fabs(r.x[i]), at = i;
    }
    const float step = amax / 8;
    // Level 0 is the block's signed extreme; the opposite side reaches only 7 steps, so a value
    // near -extreme may be a whole step off; everything else is within half a step.
    for (int j = 0; j < 32; ++j) {
      const size_t i = size_t(b * 32 + j);
      ASSERT_LE(std::fabs(r.x[i] - r.y[i]), (1.0f + 8.0f / 2048.0f) * step * 1.0001f) << "element " << i;
    }
    EXPECT_NEAR(r.y[at], r.x[at], amax / 1024) << "the extreme of block " << b;
  }
  EXPECT_LT(relative_rmse(r), 0.15);
}

TEST(QuantError, Q4_KWithinHalfItsSubBlockStep) {
  const RoundTrip r = round_trip(DType::Q4_K, kN, 3);
  for (int64_t b = 0; b < kN / 256; ++b) {
    const uint8_t* block = r.blocks.data() + b * 144;
    const float d = f16_at(block);
    const uint8_t* packed = block + 4;
    for (int sub = 0; sub < 8; ++sub) {
      const int sc = sub < 4 ? packed[sub] & 63 : (packed[sub + 4] & 0xF) | ((packed[sub - 4] >> 6) << 4);
      const float step = d * float(sc);
      float lo = 0, hi = -INFINITY;
      for (int l = 0; l < 32; ++l) {
        const size_t i = size_t(b * 256 + sub * 32 + l);
        lo = std::min(lo, r.x[i]);
        hi = std::max(hi, r.x[i]);
        ASSERT_LE(std::fabs(r.x[i] - r.y[i]), 0.5f * step * 1.001f + 1e-6f) << "element " << i;
      }
      // The step is not wastefully large: the sub-block's range over 15 levels, plus the
      // rounding up of the 6-bit scale (one unit of d) and of the min.
      const float dmin = f16_at(block + 2);
      EXPECT_LE(step, ((hi - lo) + dmin) / 15.0f + d + 1e-6f) << "block " << b << " sub-block " << sub;
    }
  }
  EXPECT_LT(relative_rmse(r), 0.11);
}

TEST(QuantError, Q6_KWithinOneGroupStep) {
  const RoundTrip r = round_trip(DType::Q6_K, kN, 4);
  for (int64_t b = 0; b < kN / 256; ++b) {
    const uint8_t* block = r.blocks.data() + b * 210;
    const float d = f16_at(block + 208);
    const auto* scales = reinterpret_cast<const int8_t*>(block + 192);
    for (int i = 0; i < 256; ++i) {
      const size_t at = size_t(b * 256 + i);
      const float step = std::fabs(d * float(scales[i / 16]));
      ASSERT_LE(std::fabs(r.x[at] - r.y[at]), step * 1.001f + 1e-7f) << "element " << at;
    }
  }
  EXPECT_LT(relative_rmse(r), 0.03);
}

TEST(QuantError, ZeroBlocksStayZero) {
  for (DType dtype : {DType::Q8_0, DType::Q4_0, DType::Q4_K, DType::Q6_K}) {
    std::vector<float> x(512, 0.0f), y(512, 1.0f);
    std::vector<uint8_t> blocks(dtype_bytes(dtype, 512));
    quantize_row(dtype, x.data(), blocks.data(), 512);
    dequantize_row(dtype, blocks.data(), y.data(), 512);
    for (float v : y) ASSERT_EQ(v, 0.0f) << dtype_name(dtype);
  }
}

TEST(QuantError, LargeRowsUseEveryBlock) {
  // More blocks than one thread's share, so the parallel split is exercised end to end.
  const int64_t n = 32 * 4096 + 32 * 7;
  const RoundTrip r = round_trip(DType::Q8_0, n, 5);
  EXPECT_LT(relative_rmse(r), 0.01);
  EXPECT_NEAR(r.y.back(), r.x.back(), 0.1);
}

}  // namespace
}  // namespace hone
