#include "hone/tensor/quant.h"

#include <algorithm>
#include <cmath>

#include "hone/tensor/quant_blocks.h"
#include "hone/util/error.h"

namespace hone {

namespace {

using DequantizeBlocks = void (*)(const uint8_t*, float*, int64_t);
using QuantizeBlocks = void (*)(const float*, uint8_t*, int64_t);

struct BlockKernels {
  DequantizeBlocks dequantize;
  QuantizeBlocks quantize;
};

BlockKernels kernels_for(DType dtype) {
  switch (dtype) {
    case DType::Q8_0: return {quant::dequantize_q8_0, quant::quantize_q8_0};
    case DType::Q4_0: return {quant::dequantize_q4_0, quant::quantize_q4_0};
    case DType::Q4_K: return {quant::dequantize_q4_k, quant::quantize_q4_k};
    case DType::Q6_K: return {quant::dequantize_q6_k, quant::quantize_q6_k};
    case DType::NF4: HONE_FAIL("nf4 (de)quantization is not implemented yet");
    default: HONE_FAIL("internal: ", dtype_name(dtype), " is not a block-quantized dtype");
  }
}

int64_t block_count(DType dtype, int64_t n) {
  const int64_t block = dtype_info(dtype).block_size;
  HONE_CHECK(n >= 0 && n % block == 0, dtype_name(dtype), ": a row of ", n,
             " elements is not a multiple of the block size ", block);
  return n / block;
}

// Large tensors are split over threads in runs of whole blocks; small rows stay on one thread.
constexpr int64_t kBlocksPerTask = 1024;

}  // namespace

void dequantize_row(DType dtype, const void* src, float* dst, int64_t n) {
  const BlockKernels k = kernels_for(dtype);
  const int64_t blocks = block_count(dtype, n);
  const auto* in = static_cast<const uint8_t*>(src);
  const int64_t block_size = dtype_info(dtype).block_size, block_bytes = dtype_info(dtype).block_bytes;
  const int64_t tasks = (blocks + kBlocksPerTask - 1) / kBlocksPerTask;
#pragma omp parallel for schedule(static) if (tasks > 1)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t first = t * kBlocksPerTask;
    const int64_t count = std::min(kBlocksPerTask, blocks - first);
    k.dequantize(in + first * block_bytes, dst + first * block_size, count);
  }
}

void quantize_row(DType dtype, const float* src, void* dst, int64_t n) {
  const BlockKernels k = kernels_for(dtype);
  const int64_t blocks = block_count(dtype, n);
  // Every format's scale search assumes finite input; a NaN would silently poison a whole block.
  for (int64_t i = 0; i < n; ++i)
    HONE_CHECK(std::isfinite(src[i]), "cannot quantize to ", dtype_name(dtype), ": element ", i, " is ", src[i]);
  auto* out = static_cast<uint8_t*>(dst);
  const int64_t block_size = dtype_info(dtype).block_size, block_bytes = dtype_info(dtype).block_bytes;
  const int64_t tasks = (blocks + kBlocksPerTask - 1) / kBlocksPerTask;
#pragma omp parallel for schedule(static) if (tasks > 1)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t first = t * kBlocksPerTask;
    const int64_t count = std::min(kBlocksPerTask, blocks - first);
    k.quantize(src + first * block_size, out + first * block_bytes, count);
  }
}

namespace quant {

uint16_t f16_round_up(float v) {
  uint16_t h = f32_to_f16(v);
  if (f16_to_f32(h) < v && h < 0x7c00u) ++h;  // next representable magnitude (positive values)
  return h;
}

}  // namespace quant

}  // namespace hone
