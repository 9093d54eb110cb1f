// Matrix products through oneDNN (Debian's libdnnl, built on OpenMP: it runs on hone's thread
// pool, and a call made inside a parallel region runs on the calling thread). f32 products go
// through dnnl_sgemm (its AVX-512 kernels), bf16 x bf16 -> f32 products through the matmul
// primitive, created once per shape and cached. kernels_matmul.h decides which library runs what.
#pragma once

#include <cstdint>
#include <string>

namespace hone {
namespace kernels {

// Whether oneDNN's f32 GEMM is the faster one on this CPU: it is where the CPU runs AVX-512
// (measured ~1.3-2x the AVX2 OpenBLAS kernels at training shapes). HONE_F32_GEMM=openblas or
// =onednn overrides it (for side-by-side measurements).
bool onednn_sgemm_preferred();

// C[M,N] = alpha op(A) op(B) + beta C, row-major f32, as cblas_sgemm.
void onednn_sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                  int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// C = alpha op(A) op(B) + beta C with bf16 A and B (raw bits) and f32 accumulation and C,
// for `batch` products whose operands start stride_* elements apart (a stride of 0 shares one
// matrix). One primitive per distinct shape, strides, alpha and beta, cached for the process.
void onednn_gemm_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const uint16_t* A,
                      int64_t lda, int64_t stride_a, const uint16_t* B, int64_t ldb, int64_t stride_b, float beta,
                      float* C, int64_t ldc, int64_t stride_c, int64_t batch);

// Whether the CPU multiplies bf16 natively (AVX512_BF16 or AMX), as oneDNN detects it.
bool cpu_has_native_bf16();

// oneDNN's version and the instruction set it dispatches to on this CPU ("avx512_core_bf16", ...).
std::string onednn_version();
std::string onednn_isa();

}  // namespace kernels
}  // namespace hone
