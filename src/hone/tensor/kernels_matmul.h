// Matrix products: f32 through oneDNN's sgemm where the CPU has AVX-512 (onednn_products.h),
// else and for f64 through CBLAS (OpenBLAS by default; any CBLAS links). Row-major; transposes
// are flags, never copies. f32 products with at most kGemvMaxRows rows of an untransposed A go to
// the gemv kernels (kernels_gemv.h) instead: BLAS would pack all of B for a handful of rows.
#pragma once

#include <cstdint>

#include "hone/tensor/dtype.h"

namespace hone {
namespace kernels {

// C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C. Leading dimensions are row strides of A,
// B and C as stored (before op).
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// `batch` independent products; matrix i of each operand starts stride_* elements after
// matrix i-1 (a stride of 0 reuses one matrix for the whole batch). Batches run in parallel,
// each product single-threaded, when there are enough of them to fill the cores.
template <class T>
void gemm_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                  int64_t stride_a, const T* B, int64_t ldb, int64_t stride_b, T beta, T* C, int64_t ldc,
                  int64_t stride_c, int64_t batch);

// Products with a weight W [N, K] stored in a narrower dtype (bf16, f16, q8_0, any type that
// converts to f32), without widening the whole matrix: W is widened a tile of rows at a time
// into a per-thread scratch buffer (allocated once per thread, then reused) and multiplied there.
// y[M, N] = x[M, K] · Wᵀ + beta · y. Threads take whole tiles (one parallel region per call).
void gemm_xwt_widening(int64_t M, int64_t N, int64_t K, const float* x, const void* w, DType w_dtype, float beta,
                       float* y);
// dx[M, K] = g[M, N] · W (the input gradient of the same product); tiles are summed in order.
void gemm_gw_widening(int64_t M, int64_t N, int64_t K, const float* g, const void* w, DType w_dtype, float* dx);

}  // namespace kernels
}  // namespace hone
