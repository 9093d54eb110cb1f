// Matrix products through CBLAS (OpenBLAS by default; any CBLAS links). Row-major; transposes
// are flags, never copies.
#pragma once

#include <cstdint>

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

}  // namespace kernels
}  // namespace hone
