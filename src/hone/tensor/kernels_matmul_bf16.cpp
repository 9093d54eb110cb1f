#include "hone/tensor/kernels_matmul_bf16.h"

#include <immintrin.h>
#include <omp.h>

#include <vector>

#include "hone/tensor/convert.h"
#include "hone/tensor/half.h"
#include "hone/tensor/onednn_products.h"
#include "hone/util/error.h"

namespace hone {
namespace kernels {

namespace {

void round_row(const float* src, int64_t n, uint16_t* dst) {
  int64_t i = 0;
#if defined(__AVX512BF16__) && defined(__AVX512F__)
  for (; i + 32 <= n; i += 32) {  // vcvtne2ps2bf16 rounds to nearest even, as f32_to_bf16
    const __m512bh packed = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + i + 16), _mm512_loadu_ps(src + i));
    _mm512_storeu_si512(dst + i, (__m512i)packed);
  }
#endif
  for (; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
}

// The calling thread's buffers for rounded operands: grown once, then reused across calls.
uint16_t* operand_scratch(int which, int64_t elements) {
  thread_local std::vector<uint16_t> scratch[2];
  if (scratch[which].size() < size_t(elements)) scratch[which].resize(size_t(elements));
  return scratch[which].data();
}

// The operand as contiguous bf16: as it is when stored in bf16 (keeping its row stride),
// rounded into scratch otherwise. Returns the row stride to use.
const uint16_t* as_bf16(int which, const void* p, DType dtype, int64_t rows, int64_t cols, int64_t ld,
                        int64_t& ld_out) {
  if (dtype == DType::BF16) {
    ld_out = ld;
    return static_cast<const uint16_t*>(p);
  }
  uint16_t* dst = operand_scratch(which, rows * cols);
  round_to_bf16(p, dtype, rows, cols, ld, dst);
  ld_out = cols;
  return dst;
}

}  // namespace

void round_to_bf16(const void* src, DType src_dtype, int64_t rows, int64_t cols, int64_t ld, uint16_t* dst) {
  if (src_dtype == DType::F32) {
    const auto* s = static_cast<const float*>(src);
#pragma omp parallel for schedule(static) if (rows * cols >= (1 << 16) && !omp_in_parallel())
    for (int64_t r = 0; r < rows; ++r) round_row(s + r * ld, cols, dst + r * cols);
    return;
  }
  HONE_CHECK(ld == cols, "internal: round_to_bf16 from ", dtype_name(src_dtype), " needs contiguous rows");
  convert_elements(src, src_dtype, dst, DType::BF16, rows * cols);
}

void gemm_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const void* A, DType a_dtype,
               int64_t lda, const void* B, DType b_dtype, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  int64_t lda16 = 0, ldb16 = 0;
  const uint16_t* a16 = as_bf16(0, A, a_dtype, trans_a ? K : M, trans_a ? M : K, lda, lda16);
  const uint16_t* b16 = as_bf16(1, B, b_dtype, trans_b ? N : K, trans_b ? K : N, ldb, ldb16);
  onednn_gemm_bf16(trans_a, trans_b, M, N, K, alpha, a16, lda16, 0, b16, ldb16, 0, beta, C, ldc, 0, 1);
}

void gemm_bf16_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                       int64_t lda, int64_t stride_a, const float* B, int64_t ldb, int64_t stride_b, float beta,
                       float* C, int64_t ldc, int64_t stride_c, int64_t batch) {
  if (M == 0 || N == 0 || batch == 0) return;
  // Rounded operands are packed: each matrix of rows x cols follows the previous one.
  const int64_t a_rows = trans_a ? K : M, a_cols = trans_a ? M : K;
  const int64_t b_rows = trans_b ? N : K, b_cols = trans_b ? K : N;
  const int64_t a_count = stride_a ? batch : 1, b_count = stride_b ? batch : 1;
  uint16_t* a16 = operand_scratch(0, a_count * a_rows * a_cols);
  uint16_t* b16 = operand_scratch(1, b_count * b_rows * b_cols);
  for (int64_t i = 0; i < a_count; ++i)
    round_to_bf16(A + i * stride_a, DType::F32, a_rows, a_cols, lda, a16 + i * a_rows * a_cols);
  for (int64_t i = 0; i < b_count; ++i)
    round_to_bf16(B + i * stride_b, DType::F32, b_rows, b_cols, ldb, b16 + i * b_rows * b_cols);
  onednn_gemm_bf16(trans_a, trans_b, M, N, K, alpha, a16, a_cols, stride_a ? a_rows * a_cols : 0, b16, b_cols,
                   stride_b ? b_rows * b_cols : 0, beta, C, ldc, stride_c, batch);
}

}  // namespace kernels
}  // namespace hone
