#include "hone/tensor/kernels_gemv.h"

#include <omp.h>
#include <strings.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#if defined(__AVX2__) || defined(__AVX512F__)
// GCC 12 reports the deliberately undefined registers inside its own AVX-512 intrinsics
// (_mm512_undefined_*) as uninitialised once they are inlined here (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#include "hone/tensor/convert.h"
#include "hone/tensor/half.h"
#include "hone/util/error.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__F16C__)
#define HONE_GEMV_AVX512 1
#endif
#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define HONE_GEMV_AVX2 1
#endif

namespace hone {
namespace kernels {

namespace {

constexpr int64_t kQ8Block = 32;
constexpr int64_t kQ8BlockBytes = 34;  // fp16 scale + 32 int8 quants
// The vector kernels step through K 32 elements at a time: one q8_0 block, so a step never
// splits a block's scale.
constexpr int64_t kStep = 32;

// Below this many weight bytes a product runs on one thread. One core streams ~39 GB/s here,
// two ~75 GB/s, so a split saves about bytes / 80 GB/s; it pays only above what starting the
// other thread costs. Threads that spin a little after a region (libgomp's default, or
// GOMP_SPINCOUNT) join the next one in ~1 µs: split from 256 KiB. Under OMP_WAIT_POLICY=PASSIVE
// without a spin count they sleep at once, and waking a sleeping vCPU took ~40 µs per region on
// the development VM (measured: f32 decode at 2 threads 48 tok/s, at 1 thread 72): split only
// products of 4 MiB and more (an MLP matrix of f32 smollm2, every head).
size_t parallel_min_bytes() {
  static const size_t bytes = [] {
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    const bool passive = policy && strcasecmp(policy, "passive") == 0;  // libgomp ignores case too
    const bool sleeps_at_once = passive && std::getenv("GOMP_SPINCOUNT") == nullptr;
    return sleeps_at_once ? size_t(4) << 20 : size_t(256) << 10;
  }();
  return bytes;
}

// Element k of one weight row, as f32 (tails and the portable path). Each dtype widens exactly
// as the vector paths and convert_elements do, so every path sees the same f32 weights.
float element(const uint8_t* row, DType dtype, int64_t k) {
  uint16_t h;
  switch (dtype) {
    case DType::F32: {
      float v;
      std::memcpy(&v, row + 4 * k, 4);
      return v;
    }
    case DType::BF16: std::memcpy(&h, row + 2 * k, 2); return bf16_to_f32(h);
    case DType::F16: std::memcpy(&h, row + 2 * k, 2); return f16_to_f32(h);
    case DType::Q8_0: {
      const uint8_t* block = row + (k / kQ8Block) * kQ8BlockBytes;
      std::memcpy(&h, block, 2);
      return float(int8_t(block[2 + k % kQ8Block])) * f16_to_f32(h);
    }
    default: HONE_FAIL("internal: gemv element of ", dtype_name(dtype));
  }
}

// Where each weight row starts.
struct WeightRows {
  const uint8_t* base;
  size_t stride;  // bytes per row
  DType dtype;
  bool contiguous;  // rows follow each other with no gap (what the prefetches assume)
  const uint8_t* row(int64_t n) const { return base + size_t(n) * stride; }
};

// One product y = alpha · x wᵀ (+ bias) + beta · y, rows of x and y ldx and ldy apart.
struct Product {
  const float* x;
  int64_t ldx, m, K;
  WeightRows w;
  float* y;
  int64_t ldy, N;
  const float* bias;
  float alpha, beta;

  // Writes the finished sum for y[r, n]. beta = 0 never reads y (it may hold NaN).
  void store(int64_t r, int64_t n, float sum) const {
    float v = alpha == 1.0f ? sum : alpha * sum;
    if (bias) v += bias[n];
    float* out = y + r * ldy + n;
    *out = beta == 0.0f ? v : v + beta * *out;
  }
};

// ---- plain C++ --------------------------------------------------------------------------------

void widen_row_portable(const uint8_t* row, DType dtype, int64_t K, float* out) {
  if (K == 0) return;  // row may be null then
  switch (dtype) {
    case DType::F32: std::memcpy(out, row, size_t(K) * 4); return;
    case DType::BF16:
    case DType::F16:
    case DType::Q8_0:
      for (int64_t k = 0; k < K; ++k) out[k] = element(row, dtype, k);
      return;
    default: convert_elements(row, dtype, out, DType::F32, K); return;
  }
}

// Eight independent partial sums: the order is fixed by the code, not by the compiler, and the
// loop vectorises without -ffast-math.
float dot_portable(const float* a, const float* b, int64_t K) {
  float lanes[8] = {};
  int64_t k = 0;
  for (; k + 8 <= K; k += 8)
    for (int j = 0; j < 8; ++j) lanes[j] += a[k + j] * b[k + j];
  float s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; k < K; ++k) s += a[k] * b[k];
  return s;
}

void range_portable(const Product& p, int64_t n0, int64_t n1) {
  thread_local std::vector<float> widened;  // one row; grows once per thread, then reused
  if (widened.size() < size_t(p.K)) widened.resize(size_t(p.K));
  for (int64_t n = n0; n < n1; ++n) {
    widen_row_portable(p.w.row(n), p.w.dtype, p.K, widened.data());
    for (int64_t r = 0; r < p.m; ++r) p.store(r, n, dot_portable(p.x + r * p.ldx, widened.data(), p.K));
  }
}

// ---- vector paths -----------------------------------------------------------------------------
// An ISA is a struct of static functions on its float vector V (kLanes wide); kMaxRows is how
// many rows of x one pass over a weight tile serves (bounded by the register file).

#if HONE_GEMV_AVX512
struct Avx512 {
  using V = __m512;
  static constexpr int kLanes = 16;
  static constexpr int kMaxRows = 4;
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static float sum(V v) { return _mm512_reduce_add_ps(v); }
  // bf16 is the top half of an f32: widen the 16-bit lanes and shift them up.
  static V from_bf16(const uint8_t* p) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  static V from_f16(const uint8_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  static V from_i8(const uint8_t* p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
};
#endif

#if HONE_GEMV_AVX2
struct Avx2 {
  using V = __m256;
  static constexpr int kLanes = 8;
  static constexpr int kMaxRows = 1;  // 16 registers: one x row, four weight rows, their sums
  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static float sum(V v) {
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
  }
  static V from_bf16(const uint8_t* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static V from_f16(const uint8_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static V from_i8(const uint8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
};
#endif

#if HONE_GEMV_AVX512 || HONE_GEMV_AVX2

// Bytes of one step of a weight row.
template <DType D>
constexpr int64_t kStepBytes = D == DType::F32 ? 4 * kStep : D == DType::Q8_0 ? kQ8BlockBytes : 2 * kStep;

// How far ahead of the loads the kernels prefetch, in bytes of the weight stream. The eight-row
// tiles (q8_0 decoding) need it far ahead to keep enough misses in flight (8 -> 24 GB/s on q8_0
// at 16 KiB); the row-by-row stream mostly rides the hardware prefetcher.
template <DType D>
constexpr int64_t kPrefetchAhead = D == DType::Q8_0 ? 16384 : 4096;

// Loaders: the kStep elements of row n starting at k (a multiple of kStep) as f32 vectors.
template <class Isa, DType D>
struct Loader {
  static constexpr int kVecs = int(kStep) / Isa::kLanes;
  using V = typename Isa::V;
  static void load(const WeightRows& w, int64_t n, int64_t k, V (&out)[kVecs]) {
    const uint8_t* row = w.row(n);
    constexpr int L = Isa::kLanes;
    if constexpr (D == DType::F32) {
      const auto* p = reinterpret_cast<const float*>(row) + k;
      for (int j = 0; j < kVecs; ++j) out[j] = Isa::load(p + j * L);
    } else if constexpr (D == DType::BF16) {
      for (int j = 0; j < kVecs; ++j) out[j] = Isa::from_bf16(row + 2 * (k + j * L));
    } else if constexpr (D == DType::F16) {
      for (int j = 0; j < kVecs; ++j) out[j] = Isa::from_f16(row + 2 * (k + j * L));
    } else {
      static_assert(D == DType::Q8_0);
      const uint8_t* block = row + (k / kQ8Block) * kQ8BlockBytes;
      uint16_t h;
      std::memcpy(&h, block, 2);
      // float(q) * d, the same single rounding as dequantize_q8_0.
      const V d = Isa::set1(_cvtsh_ss(h));
      for (int j = 0; j < kVecs; ++j) out[j] = Isa::mul(Isa::from_i8(block + 2 + j * L), d);
    }
  }
};

// y[r0 + r, n + i] for r < MR, i < NR: MR rows of x against NR weight rows, each weight vector
// loaded once and used for all MR rows. Elements past the last whole step are added in scalar.
template <class Isa, DType D, int MR, int NR>
void tile(const Product& p, int64_t r0, int64_t n) {
  using V = typename Isa::V;
  using L = Loader<Isa, D>;
  constexpr int J = L::kVecs;
  constexpr int W = Isa::kLanes;
  const float* x = p.x + r0 * p.ldx;
  const int64_t ldx = p.ldx, K = p.K;
  V acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int i = 0; i < NR; ++i) acc[r][i] = Isa::zero();
  const int64_t k_vec = K / kStep * kStep;
  // The tile's rows are one contiguous run of bytes, consumed at NR steps' worth of bytes per
  // iteration: prefetch that much, kPrefetchAhead bytes ahead, so enough cache misses are in
  // flight (the widening work per byte otherwise fills the out-of-order window first).
  const int64_t step_bytes = p.w.contiguous ? NR * kStepBytes<D> : 0;
  const char* prefetch = reinterpret_cast<const char*>(p.w.row(n)) + kPrefetchAhead<D>;
  for (int64_t k = 0; k < k_vec; k += kStep, prefetch += step_bytes) {
    for (int64_t b = 0; b < step_bytes; b += 64) _mm_prefetch(prefetch + b, _MM_HINT_T0);
    V xv[MR][J];
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < J; ++j) xv[r][j] = Isa::load(x + r * ldx + k + j * W);
    for (int i = 0; i < NR; ++i) {
      V wv[J];
      L::load(p.w, n + i, k, wv);
      for (int r = 0; r < MR; ++r)
        for (int j = 0; j < J; ++j) acc[r][i] = Isa::fma(xv[r][j], wv[j], acc[r][i]);
    }
  }
  for (int i = 0; i < NR; ++i) {
    const uint8_t* row = p.w.row(n + i);
    for (int r = 0; r < MR; ++r) {
      float s = Isa::sum(acc[r][i]);
      for (int64_t k = k_vec; k < K; ++k) s += x[r * ldx + k] * element(row, D, k);
      p.store(r0 + r, n + i, s);
    }
  }
}

// One row of x against weight row n, for decoding (m = 1): the rows are read one after another,
// a single sequential stream that the hardware prefetcher follows best, with four sums in
// flight (two steps per iteration) to hide the FMA latency.
template <class Isa, DType D>
void row_dot(const Product& p, int64_t n) {
  using V = typename Isa::V;
  using L = Loader<Isa, D>;
  constexpr int J = L::kVecs;
  constexpr int W = Isa::kLanes;
  const float* x = p.x;
  const int64_t K = p.K;
  V acc0[J], acc1[J];
  for (int j = 0; j < J; ++j) acc0[j] = acc1[j] = Isa::zero();
  const int64_t k_vec = K / kStep * kStep;
  const char* prefetch = reinterpret_cast<const char*>(p.w.row(n)) + kPrefetchAhead<D>;
  const int64_t step_bytes = p.w.contiguous ? kStepBytes<D> : 0;
  int64_t k = 0;
  for (; k + 2 * kStep <= k_vec; k += 2 * kStep, prefetch += 2 * step_bytes) {
    for (int64_t b = 0; b < 2 * step_bytes; b += 64) _mm_prefetch(prefetch + b, _MM_HINT_T0);
    V w0[J], w1[J];
    L::load(p.w, n, k, w0);
    L::load(p.w, n, k + kStep, w1);
    for (int j = 0; j < J; ++j) acc0[j] = Isa::fma(Isa::load(x + k + j * W), w0[j], acc0[j]);
    for (int j = 0; j < J; ++j) acc1[j] = Isa::fma(Isa::load(x + k + kStep + j * W), w1[j], acc1[j]);
  }
  if (k < k_vec) {
    V w0[J];
    L::load(p.w, n, k, w0);
    for (int j = 0; j < J; ++j) acc0[j] = Isa::fma(Isa::load(x + k + j * W), w0[j], acc0[j]);
  }
  V total = Isa::add(acc0[0], acc1[0]);
  for (int j = 1; j < J; ++j) total = Isa::add(total, Isa::add(acc0[j], acc1[j]));
  float s = Isa::sum(total);
  const uint8_t* row = p.w.row(n);
  for (int64_t kk = k_vec; kk < K; ++kk) s += x[kk] * element(row, D, kk);
  p.store(0, n, s);
}

// All m rows of x against weight rows [n, n + NR), in passes of up to Isa::kMaxRows rows.
template <class Isa, DType D, int NR>
void tile_all_rows(const Product& p, int64_t n) {
  for (int64_t r0 = 0; r0 < p.m; r0 += Isa::kMaxRows) {
    const int64_t rows = std::min<int64_t>(Isa::kMaxRows, p.m - r0);
    if constexpr (Isa::kMaxRows >= 4) {
      if (rows == 4) { tile<Isa, D, 4, NR>(p, r0, n); continue; }
      if (rows == 3) { tile<Isa, D, 3, NR>(p, r0, n); continue; }
    }
    if constexpr (Isa::kMaxRows >= 2) {
      if (rows == 2) { tile<Isa, D, 2, NR>(p, r0, n); continue; }
    }
    tile<Isa, D, 1, NR>(p, r0, n);
  }
}

template <class Isa, DType D>
void range_vector(const Product& p, int64_t n0, int64_t n1) {
  int64_t n = n0;
  if (p.m == 1) {
    // Measured on one Zen 5 core streaming smollm2's weights (GB/s, f32/bf16/f16/q8_0): rows one
    // by one 35/32/33/25, eight rows at a time 29/24/24/27. q8_0's per-block scales make it the
    // one format whose widening work, not the stream, sets the pace: it takes the eight-row tiles.
    if constexpr (D == DType::Q8_0) {
      for (; n + 8 <= n1; n += 8) tile<Isa, D, 1, 8>(p, 0, n);
    } else {
      for (; n < n1; ++n) row_dot<Isa, D>(p, n);
      return;
    }
  }
  for (; n + 4 <= n1; n += 4) tile_all_rows<Isa, D, 4>(p, n);
  for (; n < n1; ++n) tile_all_rows<Isa, D, 1>(p, n);
}

template <class Isa>
void range_for_isa(const Product& p, int64_t n0, int64_t n1) {
  switch (p.w.dtype) {
    case DType::F32: return range_vector<Isa, DType::F32>(p, n0, n1);
    case DType::BF16: return range_vector<Isa, DType::BF16>(p, n0, n1);
    case DType::F16: return range_vector<Isa, DType::F16>(p, n0, n1);
    case DType::Q8_0: return range_vector<Isa, DType::Q8_0>(p, n0, n1);
    default: HONE_FAIL("internal: gemv of ", dtype_name(p.w.dtype));
  }
}

template <class Isa, DType D>
void widen_rows_vector(const WeightRows& w, int64_t K, int64_t first, int64_t count, float* dst) {
  using L = Loader<Isa, D>;
  const int64_t k_vec = K / kStep * kStep;
  for (int64_t n = first; n < first + count; ++n) {
    float* out = dst + (n - first) * K;
    for (int64_t k = 0; k < k_vec; k += kStep) {
      typename Isa::V v[L::kVecs];
      L::load(w, n, k, v);
      for (int j = 0; j < L::kVecs; ++j) Isa::store(out + k + j * Isa::kLanes, v[j]);
    }
    for (int64_t k = k_vec; k < K; ++k) out[k] = element(w.row(n), D, k);
  }
}

#endif  // HONE_GEMV_AVX512 || HONE_GEMV_AVX2

GemvPath widest_path() {
#if HONE_GEMV_AVX512
  return GemvPath::Avx512;
#elif HONE_GEMV_AVX2
  return GemvPath::Avx2;
#else
  return GemvPath::Portable;
#endif
}

void range_on(GemvPath path, const Product& p, int64_t n0, int64_t n1) {
  switch (path) {
#if HONE_GEMV_AVX512
    case GemvPath::Avx512: return range_for_isa<Avx512>(p, n0, n1);
#endif
#if HONE_GEMV_AVX2
    case GemvPath::Avx2: return range_for_isa<Avx2>(p, n0, n1);
#endif
    case GemvPath::Portable: return range_portable(p, n0, n1);
    default: HONE_FAIL("gemv: the ", gemv_path_name(path), " path is not compiled into this build");
  }
}

// First output row of thread t's range: ranges are whole multiples of 8 rows (the widest tile)
// except the last, so no thread ends on a scalar-sized remainder.
int64_t range_start(int64_t N, int t, int nt) {
  if (t >= nt) return N;
  return std::min(N, (N * t / nt + 7) / 8 * 8);
}

// Splits the output rows of p over the threads (one parallel region) and computes each range.
void run(GemvPath path, const Product& p) {
  HONE_CHECK(p.m >= 0 && p.K >= 0 && p.N >= 0, "gemv: negative size (m ", p.m, ", K ", p.K, ", N ", p.N, ")");
  if (p.m == 0 || p.N == 0) return;
  const size_t weight_bytes = p.w.stride * size_t(p.N);
  const int nt = weight_bytes >= parallel_min_bytes() && !omp_in_parallel()
                     ? int(std::clamp<int64_t>(p.N / 16, 1, omp_get_max_threads()))
                     : 1;
  // One thread: no region at all (libgomp allocates a team even for a one-thread region).
  if (nt == 1) return range_on(path, p, 0, p.N);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    const int64_t n0 = range_start(p.N, t, nt), n1 = range_start(p.N, t + 1, nt);
    if (n0 < n1) range_on(path, p, n0, n1);
  }
}

// Row r of C, columns [j0, j0 + W): the sums stay in a local array the compiler keeps in
// vector registers (W is a compile-time constant, the loops unroll), so B's rows are the only
// memory traffic. Plain C++: vectorised by the compiler for whatever the target has.
// Even and odd k go to separate sums: two independent chains of FMAs hide their latency when
// W is only a vector or two wide (a head's 32 or 64 columns).
template <int W>
void row_chunk_nn(int64_t K, float alpha, const float* a, const float* B, int64_t ldb, float beta, float* c) {
  float even[W] = {}, odd[W] = {};
  int64_t k = 0;
  for (; k + 2 <= K; k += 2) {
    const float a0 = a[k], a1 = a[k + 1];
    const float* b0 = B + k * ldb;
    const float* b1 = b0 + ldb;
    for (int j = 0; j < W; ++j) even[j] += a0 * b0[j];
    for (int j = 0; j < W; ++j) odd[j] += a1 * b1[j];
  }
  if (k < K)
    for (int j = 0; j < W; ++j) even[j] += a[k] * B[k * ldb + j];
  for (int j = 0; j < W; ++j) {
    const float v = alpha * (even[j] + odd[j]);
    c[j] = beta == 0.0f ? v : v + beta * c[j];
  }
}

// Columns [c0, c1) of C = alpha · A B + beta · C for few rows of A, 64 columns (or 32, 16, one)
// at a time. For one row of A (decoding) each element of B is read once.
void columns_small_m_nn(int64_t M, int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                        float beta, float* C, int64_t ldc, int64_t c0, int64_t c1) {
  for (int64_t r = 0; r < M; ++r) {
    const float* a = A + r * lda;
    float* c = C + r * ldc;
    int64_t j = c0;
    for (; j + 64 <= c1; j += 64) row_chunk_nn<64>(K, alpha, a, B + j, ldb, beta, c + j);
    for (; j + 32 <= c1; j += 32) row_chunk_nn<32>(K, alpha, a, B + j, ldb, beta, c + j);
    for (; j + 16 <= c1; j += 16) row_chunk_nn<16>(K, alpha, a, B + j, ldb, beta, c + j);
    for (; j < c1; ++j) row_chunk_nn<1>(K, alpha, a, B + j, ldb, beta, c + j);
  }
}

}  // namespace

std::vector<GemvPath> gemv_paths() {
  std::vector<GemvPath> out{GemvPath::Portable};
#if HONE_GEMV_AVX2
  out.push_back(GemvPath::Avx2);
#endif
#if HONE_GEMV_AVX512
  out.push_back(GemvPath::Avx512);
#endif
  return out;
}

const char* gemv_path_name(GemvPath path) {
  switch (path) {
    case GemvPath::Portable: return "portable";
    case GemvPath::Avx2: return "avx2";
    case GemvPath::Avx512: return "avx512";
  }
  return "?";
}

bool gemv_supports(DType w_dtype) {
  return w_dtype == DType::F32 || w_dtype == DType::BF16 || w_dtype == DType::F16 || w_dtype == DType::Q8_0;
}

void gemv_with(GemvPath path, const float* x, int64_t m, int64_t K, const void* w, DType w_dtype, int64_t N,
               const float* bias, float* y) {
  HONE_CHECK(gemv_supports(w_dtype), "gemv: weights in ", dtype_name(w_dtype),
             " are not supported (expected f32, bf16, f16 or q8_0)");
  HONE_CHECK(w_dtype != DType::Q8_0 || K % kQ8Block == 0, "gemv: q8_0 rows of ", K,
             " elements are not a whole number of 32-element blocks");
  const size_t stride = dtype_bytes(w_dtype, K);
  run(path, Product{x, K, m, K, WeightRows{static_cast<const uint8_t*>(w), stride, w_dtype, true}, y, N, N, bias,
                    1.0f, 0.0f});
}

void gemv(const float* x, int64_t m, int64_t K, const void* w, DType w_dtype, int64_t N, const float* bias, float* y) {
  gemv_with(widest_path(), x, m, K, w, w_dtype, N, bias, y);
}

void gemm_small_m_nt(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
                     int64_t ldb, float beta, float* C, int64_t ldc) {
  HONE_CHECK(lda >= K && ldb >= K && ldc >= N, "gemm_small_m_nt: a row stride is shorter than its row");
  run(widest_path(), Product{A, lda, M, K,
                             WeightRows{reinterpret_cast<const uint8_t*>(B), size_t(ldb) * 4, DType::F32, ldb == K},
                             C, ldc, N, nullptr, alpha, beta});
}

void gemm_small_m_nn(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
                     int64_t ldb, float beta, float* C, int64_t ldc) {
  HONE_CHECK(M >= 0 && N >= 0 && K >= 0, "gemm_small_m_nn: negative size");
  HONE_CHECK(lda >= K && ldb >= N && ldc >= N, "gemm_small_m_nn: a row stride is shorter than its row");
  if (M == 0 || N == 0) return;
  const size_t bytes = size_t(K) * size_t(N) * 4;
  const int nt = bytes >= parallel_min_bytes() && !omp_in_parallel()
                     ? int(std::clamp<int64_t>(N / 64, 1, omp_get_max_threads()))
                     : 1;
  if (nt == 1) return columns_small_m_nn(M, K, alpha, A, lda, B, ldb, beta, C, ldc, 0, N);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    columns_small_m_nn(M, K, alpha, A, lda, B, ldb, beta, C, ldc, range_start(N, t, nt), range_start(N, t + 1, nt));
  }
}

void widen_rows(const void* w, DType w_dtype, int64_t K, int64_t first, int64_t count, float* dst) {
  const WeightRows rows{static_cast<const uint8_t*>(w), dtype_bytes(w_dtype, K), w_dtype, true};
  if (count <= 0 || K == 0) return;
#if HONE_GEMV_AVX512
  using Isa = Avx512;
#elif HONE_GEMV_AVX2
  using Isa = Avx2;
#endif
  switch (w_dtype) {
    case DType::F32: std::memcpy(dst, rows.row(first), size_t(count) * rows.stride); return;
#if HONE_GEMV_AVX512 || HONE_GEMV_AVX2
    case DType::BF16: return widen_rows_vector<Isa, DType::BF16>(rows, K, first, count, dst);
    case DType::F16: return widen_rows_vector<Isa, DType::F16>(rows, K, first, count, dst);
    case DType::Q8_0: return widen_rows_vector<Isa, DType::Q8_0>(rows, K, first, count, dst);
#endif
    default:
      for (int64_t n = first; n < first + count; ++n) widen_row_portable(rows.row(n), w_dtype, K, dst + (n - first) * K);
      return;
  }
}

}  // namespace kernels
}  // namespace hone
