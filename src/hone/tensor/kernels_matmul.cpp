#include "hone/tensor/kernels_matmul.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <type_traits>
#include <vector>

#include "hone/tensor/kernels_gemv.h"
#include "hone/tensor/kernels_matmul_bf16.h"
#include "hone/tensor/onednn_products.h"
#include "hone/tensor/product_precision.h"

namespace hone {
namespace kernels {

namespace {
void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
               int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, blasint(M), blasint(N), blasint(K), alpha, A, blasint(lda), B, blasint(ldb), beta,
              C, blasint(ldc));
}
void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A,
               int64_t lda, const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, blasint(M), blasint(N), blasint(K), alpha, A, blasint(lda), B, blasint(ldb), beta,
              C, blasint(ldc));
}
}  // namespace

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {  // BLAS leaves C untouched for K = 0 only when beta = 1; make it exact.
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    // A few rows of A (decoding: one token; attention: one query row per head): gemv kernels
    // stream B once instead of packing it.
    if (!trans_a && M <= kGemvMaxRows) {
      if (trans_b) return gemm_small_m_nt(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
      return gemm_small_m_nn(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
    if (product_precision() == Precision::BF16)
      return gemm_bf16(trans_a, trans_b, M, N, K, alpha, A, DType::F32, lda, B, DType::F32, ldb, beta, C, ldc);
    if (onednn_sgemm_preferred()) return onednn_sgemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
  blas_gemm(trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb,
            beta, C, ldc);
}

template <class T>
void gemm_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                  int64_t stride_a, const T* B, int64_t ldb, int64_t stride_b, T beta, T* C, int64_t ldc,
                  int64_t stride_c, int64_t batch) {
  if constexpr (std::is_same_v<T, float>) {
    // One oneDNN primitive runs the whole batch (its threads split it).
    if (product_precision() == Precision::BF16 && M > kGemvMaxRows && K > 0 && !omp_in_parallel())
      return gemm_bf16_batched(trans_a, trans_b, M, N, K, alpha, A, lda, stride_a, B, ldb, stride_b, beta, C, ldc,
                               stride_c, batch);
  }
  if (batch >= omp_get_max_threads() && batch > 1) {
    // OpenBLAS's and oneDNN's OpenMP builds run a call made inside a parallel region on the
    // calling thread.
#pragma omp parallel for schedule(dynamic)
    for (int64_t b = 0; b < batch; ++b)
      gemm(trans_a, trans_b, M, N, K, alpha, A + b * stride_a, lda, B + b * stride_b, ldb, beta, C + b * stride_c, ldc);
  } else {
    for (int64_t b = 0; b < batch; ++b)
      gemm(trans_a, trans_b, M, N, K, alpha, A + b * stride_a, lda, B + b * stride_b, ldb, beta, C + b * stride_c, ldc);
  }
}

namespace {

// A widened tile of about this many bytes stays in a core's L2 cache between being written and
// being packed by the GEMM.
constexpr int64_t kWidenTileBytes = 256 << 10;

int64_t round_up(int64_t v, int64_t multiple) { return (v + multiple - 1) / multiple * multiple; }

// Rows per tile for weights of K columns, N rows shared by nt threads: about kWidenTileBytes
// each, a multiple of 16, and a tile count that divides evenly among the threads.
int64_t widen_tile_rows(int64_t N, int64_t K, int nt) {
  const int64_t target = std::clamp<int64_t>(kWidenTileBytes / (4 * std::max<int64_t>(K, 1)) / 16 * 16, 16, 256);
  const int64_t tiles = round_up((N + target - 1) / target, nt);
  return std::max<int64_t>(16, round_up((N + tiles - 1) / tiles, 16));
}

// The calling thread's scratch for one widened tile; grows once, then is reused across calls.
float* widen_scratch(int64_t floats) {
  thread_local std::vector<float> scratch;
  if (scratch.size() < size_t(floats)) scratch.resize(size_t(floats));
  return scratch.data();
}

}  // namespace

void gemm_xwt_widening(int64_t M, int64_t N, int64_t K, const float* x, const void* w, DType w_dtype, float beta,
                       float* y) {
  if (M == 0 || N == 0) return;
  if (K == 0) return gemm<float>(false, true, M, N, K, 1.0f, x, K, nullptr, K, beta, y, N);
  if (product_precision() == Precision::BF16)  // oneDNN reads a bf16 weight as stored
    return gemm_bf16(false, true, M, N, K, 1.0f, x, DType::F32, K, w, w_dtype, K, beta, y, N);
  const int max_threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const int64_t tile = widen_tile_rows(N, K, max_threads);
  const int64_t tiles = (N + tile - 1) / tile;
  const int nt = int(std::min<int64_t>(max_threads, tiles));
  // Each thread multiplies its own tiles; OpenBLAS runs a call made inside a parallel region
  // single-threaded, so the threads never oversubscribe the cores.
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    float* scratch = widen_scratch(tile * K);
#pragma omp for schedule(static)
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t n0 = t * tile, rows = std::min(tile, N - n0);
      widen_rows(w, w_dtype, K, n0, rows, scratch);
      gemm<float>(false, true, M, rows, K, 1.0f, x, K, scratch, K, beta, y + n0, N);
    }
  }
}

void gemm_gw_widening(int64_t M, int64_t N, int64_t K, const float* g, const void* w, DType w_dtype, float* dx) {
  if (M == 0 || K == 0) return;
  if (N == 0) return gemm<float>(false, false, M, K, N, 1.0f, g, N, nullptr, K, 0.0f, dx, K);
  if (product_precision() == Precision::BF16)
    return gemm_bf16(false, false, M, K, N, 1.0f, g, DType::F32, N, w, w_dtype, K, 0.0f, dx, K);
  // The tiles split the reduction dimension: they are widened and multiplied one after another
  // (the GEMM itself is threaded), each adding into dx.
  const int64_t tile = widen_tile_rows(N, K, 1);
  float* scratch = widen_scratch(tile * K);
  for (int64_t n0 = 0; n0 < N; n0 += tile) {
    const int64_t rows = std::min(tile, N - n0);
    constexpr int64_t kChunk = 16;
#pragma omp parallel for schedule(static) if (rows * K >= (1 << 15))
    for (int64_t c = 0; c < rows; c += kChunk)
      widen_rows(w, w_dtype, K, n0 + c, std::min(kChunk, rows - c), scratch + c * K);
    gemm<float>(false, false, M, K, rows, 1.0f, g + n0, N, scratch, K, n0 == 0 ? 0.0f : 1.0f, dx, K);
  }
}

#define HONE_INSTANTIATE(T)                                                                                  \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T, T*, \
                        int64_t);                                                                            \
  template void gemm_batched<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, int64_t, const T*, \
                                int64_t, int64_t, T, T*, int64_t, int64_t, int64_t);
HONE_INSTANTIATE(float)
HONE_INSTANTIATE(double)
#undef HONE_INSTANTIATE

}  // namespace kernels
}  // namespace hone
