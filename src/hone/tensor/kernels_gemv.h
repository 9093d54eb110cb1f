// Products of a few activation rows with a weight matrix: y[m, N] = x[m, K] · W[N, K]ᵀ for m up to
// kGemvMaxRows, W in f32, bf16, f16 or q8_0 (ggml blocks, used in place). This is the shape of
// batch-1 decoding, where every weight is read once per token and the speed is the memory
// bandwidth: W is streamed once for all m rows, widened to f32 in registers (never as a copy),
// and split over the threads in one contiguous range of output rows each.
#pragma once

#include <cstdint>
#include <vector>

#include "hone/tensor/dtype.h"

namespace hone {
namespace kernels {

// Products with at most this many rows go through gemv; larger ones through a GEMM, where the
// weight is reused from cache often enough for packing to pay.
constexpr int64_t kGemvMaxRows = 8;

// The implementations compiled into this build: the plain C++ one always, AVX2 (with FMA and
// F16C) and AVX-512 when the compiler targets them. gemv() uses the last one listed.
enum class GemvPath { Portable, Avx2, Avx512 };
std::vector<GemvPath> gemv_paths();
const char* gemv_path_name(GemvPath path);

// Whether gemv reads weights of this dtype (f32, bf16, f16, q8_0).
bool gemv_supports(DType w_dtype);

// y[r, n] = sum_k x[r, k] * W[n, k] (+ bias[n] when bias is not null) for r < m, n < N.
// x is [m, K] and y is [m, N] f32, both contiguous; W is N contiguous rows of K elements in
// w_dtype (q8_0: K a multiple of 32). Sums are f32.
void gemv(const float* x, int64_t m, int64_t K, const void* w, DType w_dtype, int64_t N, const float* bias, float* y);
// The same through one given implementation (for tests: each must give gemv's results).
void gemv_with(GemvPath path, const float* x, int64_t m, int64_t K, const void* w, DType w_dtype, int64_t N,
               const float* bias, float* y);

// The two GEMM shapes with few rows of A that the f32 gemm() hands over (C = alpha · A op(B) +
// beta · C, row-major, row strides lda/ldb/ldc; beta = 0 never reads C). Without them OpenBLAS
// packs all of B for every call, which for one query row of attention costs more than the product.
// nt: op(B) = Bᵀ, B is [N, K] (gemv's shape, f32 weights, any row stride).
void gemm_small_m_nt(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
                     int64_t ldb, float beta, float* C, int64_t ldc);
// nn: op(B) = B, B is [K, N]. Threads split the columns.
void gemm_small_m_nn(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
                     int64_t ldb, float beta, float* C, int64_t ldc);

// Rows [first, first + count) of W (rows of K elements in w_dtype; any dtype that converts to
// f32) as f32 into dst [count, K]. Single-threaded: callers run it per thread on their own tiles.
void widen_rows(const void* w, DType w_dtype, int64_t K, int64_t first, int64_t count, float* dst);

}  // namespace kernels
}  // namespace hone
