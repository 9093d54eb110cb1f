#include "hone/tensor/kernels_panel_gemm.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#if defined(__AVX512F__)
// GCC 12 reports the deliberately undefined registers inside its own AVX-512 intrinsics as
// uninitialised once they are inlined (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#include "hone/util/error.h"

namespace hone {
namespace kernels {

#if defined(__AVX512F__)

namespace {

constexpr int64_t kPanel = 32;  // output columns per panel: two vectors
constexpr int kTileRows = 12;   // rows of x per register tile: 24 sums, 2 panel vectors, 1 broadcast

// Keeps a loaded vector in a register: GCC otherwise folds the panel loads into each of the 12
// FMAs that use them, and the tile runs at the load ports' pace instead of the FMA units'.
inline __m512 in_register(__m512 v) {
  asm("" : "+v"(v));
  return v;
}

// The calling thread's panel buffer, 64-byte aligned; grows once, then is reused.
float* panel_scratch(int64_t floats) {
  constexpr size_t kAlignFloats = 16;
  thread_local std::vector<float> scratch;
  if (scratch.size() < size_t(floats) + kAlignFloats) scratch.resize(size_t(floats) + kAlignFloats);
  const auto address = reinterpret_cast<uintptr_t>(scratch.data());
  return scratch.data() + (kAlignFloats - (address / sizeof(float)) % kAlignFloats) % kAlignFloats;
}

// out[c] = column c of the 16 x 16 block whose rows are r[0..15]: unpacks pair rows, then
// 128-bit lanes are interleaved twice (64 shuffles for 256 elements).
void transpose16(const __m512 (&r)[16], __m512 (&out)[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);      // r2i[0] r2i+1[0] r2i[1] r2i+1[1] per lane
    t[i + 8] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);  // elements 2, 3 of each lane
  }
  for (int g = 0; g < 4; ++g) {  // rows 4g .. 4g + 3: u[4g + c] holds element c of each lane
    const __m512d lo0 = _mm512_castps_pd(t[2 * g]), lo1 = _mm512_castps_pd(t[2 * g + 1]);
    const __m512d hi0 = _mm512_castps_pd(t[2 * g + 8]), hi1 = _mm512_castps_pd(t[2 * g + 9]);
    u[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(lo0, lo1));
    u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(lo0, lo1));
    u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(hi0, hi1));
    u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(hi0, hi1));
  }
  for (int c = 0; c < 4; ++c) {  // u[4g + c] lane l holds column 4l + c of rows 4g .. 4g + 3
    const __m512 v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);   // lanes 0, 2 of rows 0-3, 4-7
    const __m512 v1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xdd);   // lanes 1, 3
    const __m512 v2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
    const __m512 v3 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xdd);
    out[c] = _mm512_shuffle_f32x4(v0, v2, 0x88);       // lane 0: column c
    out[c + 8] = _mm512_shuffle_f32x4(v0, v2, 0xdd);   // lane 2: column 8 + c
    out[c + 4] = _mm512_shuffle_f32x4(v1, v3, 0x88);   // lane 1: column 4 + c
    out[c + 12] = _mm512_shuffle_f32x4(v1, v3, 0xdd);  // lane 3: column 12 + c
  }
}

// panels[p][k][j] = w[32p + j][k]: column panels of Wᵀ, rows past N as zeros. Whole 32-row panels
// go through 16 x 16 register transposes, 16 values of k at a time; the rest element by element.
void pack_panels(const float* w, int64_t ldw, int64_t N, int64_t K, float* panels) {
  for (int64_t n0 = 0; n0 < N; n0 += kPanel) {
    float* panel = panels + n0 * K;
    const int64_t cols = std::min(kPanel, N - n0);
    int64_t k = 0;
    if (cols == kPanel) {
      for (; k + 16 <= K; k += 16)
        for (int half = 0; half < 2; ++half) {
          __m512 rows[16], columns[16];
          for (int j = 0; j < 16; ++j) rows[j] = _mm512_loadu_ps(w + (n0 + 16 * half + j) * ldw + k);
          transpose16(rows, columns);
          for (int c = 0; c < 16; ++c) _mm512_store_ps(panel + (k + c) * kPanel + 16 * half, columns[c]);
        }
    }
    for (; k < K; ++k) {
      float* out = panel + k * kPanel;
      for (int64_t j = 0; j < cols; ++j) out[j] = w[(n0 + j) * ldw + k];
      for (int64_t j = cols; j < kPanel; ++j) out[j] = 0.0f;
    }
  }
}

__mmask16 column_mask(int64_t cols) { return cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1); }

// y[r, 0:cols] for r < MR from one panel: each panel row is loaded once and multiplied by the
// broadcast x[r, k] of every row. The sums run over k in order.
template <int MR>
void panel_tile(const float* x, int64_t ldx, const float* panel, int64_t K, float beta, float* y, int64_t ldy,
                int64_t cols) {
  __m512 acc[MR][2];
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    const __m512 b0 = in_register(_mm512_load_ps(panel + k * kPanel));
    const __m512 b1 = in_register(_mm512_load_ps(panel + k * kPanel + 16));
    for (int r = 0; r < MR; ++r) {
      const __m512 a = _mm512_set1_ps(x[r * ldx + k]);
      acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
    }
  }
  const __mmask16 m0 = column_mask(cols), m1 = column_mask(cols - 16 > 0 ? cols - 16 : 0);
  const __m512 vbeta = _mm512_set1_ps(beta);
  for (int r = 0; r < MR; ++r) {
    float* out = y + r * ldy;
    if (beta != 0.0f) {
      acc[r][0] = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(m0, out), acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(m1, out + 16), acc[r][1]);
    }
    _mm512_mask_storeu_ps(out, m0, acc[r][0]);
    _mm512_mask_storeu_ps(out + 16, m1, acc[r][1]);
  }
}

using PanelTile = void (*)(const float*, int64_t, const float*, int64_t, float, float*, int64_t, int64_t);

template <int... MR>
constexpr auto make_tiles(std::integer_sequence<int, MR...>) {
  return std::array<PanelTile, sizeof...(MR)>{&panel_tile<MR + 1>...};
}

}  // namespace

bool panel_gemm_xwt(int64_t M, int64_t N, int64_t K, const float* x, int64_t ldx, const float* w, int64_t ldw,
                    float beta, float* y, int64_t ldy) {
  HONE_CHECK(M >= 0 && N >= 0 && K >= 0 && ldx >= K && ldw >= K && ldy >= N, "panel_gemm_xwt: bad sizes");
  if (M == 0 || N == 0) return true;
  static constexpr auto tiles = make_tiles(std::make_integer_sequence<int, kTileRows>{});
  const int64_t panel_count = (N + kPanel - 1) / kPanel;
  float* panels = panel_scratch(panel_count * kPanel * std::max<int64_t>(K, 1));
  pack_panels(w, ldw, N, K, panels);
  // Rows of x in groups of 12 (in L1 while they meet every panel), the panels (in L2) inside.
  for (int64_t r0 = 0; r0 < M; r0 += kTileRows) {
    const PanelTile tile = tiles[size_t(std::min<int64_t>(kTileRows, M - r0) - 1)];
    for (int64_t p = 0; p < panel_count; ++p)
      tile(x + r0 * ldx, ldx, panels + p * kPanel * K, K, beta, y + r0 * ldy + p * kPanel, ldy,
           std::min(kPanel, N - p * kPanel));
  }
  return true;
}

#else  // no AVX-512: the caller's BLAS does it

bool panel_gemm_xwt(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float, float*,
                    int64_t) {
  return false;
}

#endif

}  // namespace kernels
}  // namespace hone
