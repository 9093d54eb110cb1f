// Vectorised exp and the row reductions around it (max, sum, dot) for the kernels of softmax,
// cross-entropy, attention and the SiLU family. glibc's expf is scalar unless -ffast-math lets
// GCC call libmvec, and float max/sum reductions do not vectorise without -ffast-math either, so
// these are written out by hand.
//
// Three implementations of the same functions, each in its own namespace so tests can check all
// that the compiler enables against one another:
//   vecmath::avx512  (__AVX512F__)         16 lanes, scalef does the 2^n scaling (denormals, overflow)
//   vecmath::avx2    (__AVX2__ && __FMA__)  8 lanes, 2^n built in two normal halves
//   vecmath::scalar  always                 std::exp, the reference
// The unqualified vecmath::f32 alias names the widest one available, and the templates at the end
// (float uses it, double stays on the scalar path) are what kernels call.
//
// Accuracy of the vector exp against exp in double: within 1 ulp over the whole float range
// (0.88 ulp worst on a sweep of 8.7 million inputs, tests/tensor/vector_math_test.cpp), with
// exp(-inf) = 0, exp(x < -103.98) = 0 (below half the smallest denormal), results in the
// denormal range rounded once, exp(x > 88.73) = +inf, and NaN in, NaN out.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

// GCC 12 warns that the placeholder register inside AVX-512 intrinsics such as _mm512_max_ps
// (_mm512_undefined_ps) is "used uninitialized" once they are inlined (GCC bug 105593, fixed
// in 13): a false positive about the compiler's own headers, silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace hone::vecmath {

namespace detail {
// Range reduction x = n ln2 + r, |r| <= ln2 / 2, with ln2 split so n * kLn2Hi + kLn2Lo carries
// ~48 bits: r stays accurate even for |n| ~ 150.
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693145751953125f;        // 0x3f317200: few bits, so n * kLn2Hi is exact
constexpr float kLn2Lo = 1.42860682030941723212e-6f;  // ln2 - kLn2Hi
// Inputs are clamped to [kMinInput, kMaxInput] first: below, exp rounds to 0 (exp(-104) is under
// half the smallest denormal 2^-149); above, it overflows to +inf (exp(89) > FLT_MAX). The clamp
// keeps n within [-150, 129] so the 2^n scaling never sees a wild exponent.
constexpr float kMinInput = -104.0f;
constexpr float kMaxInput = 89.0f;
// exp(r) on |r| <= ln2/2 by its Taylor series to r^7: the truncation error, r^8/8! < 5.3e-9, is
// about a tenth of a float ulp, so rounding in the Horner steps dominates.
constexpr float kC2 = 1.0f / 2, kC3 = 1.0f / 6, kC4 = 1.0f / 24, kC5 = 1.0f / 120, kC6 = 1.0f / 720,
                kC7 = 1.0f / 5040;
}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Scalar reference: what every vector path must agree with.
namespace scalar {

inline float exp(float x) { return std::exp(x); }

inline float max(const float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;  // NaN never wins, as in the vector max
  return m;
}

inline float sum(const float* x, int64_t n) {
  float s = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  return s;
}

inline float dot(const float* a, const float* b, int64_t n) {
  float s = 0;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// y[i] = exp(x[i] - shift) (y may be x, or null to only sum); returns the sum of the exponentials.
inline float exp_shifted_sum(const float* x, float* y, int64_t n, float shift) {
  float s = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float e = std::exp(x[i] - shift);
    if (y) y[i] = e;
    s += e;
  }
  return s;
}

inline void exp_shifted(const float* x, float* y, int64_t n, float shift) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i] - shift);
}

// y[i] = 1 / (1 + exp(-x[i])) (y may be x).
inline void sigmoid(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + std::exp(-x[i]));
}

}  // namespace scalar

// ---------------------------------------------------------------------------------------------
#if defined(__AVX2__) && defined(__FMA__)
namespace avx2 {

inline __m256 exp(__m256 x) {
  using namespace detail;
  // MINPS/MAXPS return their second operand when either is NaN: with x second, NaN passes through.
  x = _mm256_max_ps(_mm256_set1_ps(kMinInput), _mm256_min_ps(_mm256_set1_ps(kMaxInput), x));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(detail::kLn2Hi), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(detail::kLn2Lo), r);
  __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(kC7), r, _mm256_set1_ps(kC6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC5));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  // 2^n with n in [-150, 129] does not fit one normal float exponent, so scale by 2^a then 2^b
  // (a + b = n, both within [-75, 65]): the first product is exact, the second rounds once,
  // which gives correctly scaled denormals and +inf past FLT_MAX. A NaN input made p NaN already.
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i a = _mm256_srai_epi32(ni, 1);
  const __m256i b = _mm256_sub_epi32(ni, a);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 scale_a = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(a, bias), 23));
  const __m256 scale_b = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(b, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(p, scale_a), scale_b);
}

inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Lane mask for the last n % 8 elements (all-ones lanes are loaded/stored).
inline __m256i tail_mask(int64_t count) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int32_t(count)), lanes);
}

inline float max(const float* x, int64_t n) {
  const __m256 neg_inf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256 m0 = neg_inf, m1 = neg_inf;
  int64_t i = 0;
  // max(v, m) keeps m when v is NaN, as the scalar `v > m ? v : m` does.
  for (; i + 16 <= n; i += 16) {
    m0 = _mm256_max_ps(_mm256_loadu_ps(x + i), m0);
    m1 = _mm256_max_ps(_mm256_loadu_ps(x + i + 8), m1);
  }
  for (; i + 8 <= n; i += 8) m0 = _mm256_max_ps(_mm256_loadu_ps(x + i), m0);
  if (i < n) {
    const __m256i mask = tail_mask(n - i);
    const __m256 v = _mm256_blendv_ps(neg_inf, _mm256_maskload_ps(x + i, mask), _mm256_castsi256_ps(mask));
    m1 = _mm256_max_ps(v, m1);
  }
  return hmax(_mm256_max_ps(m0, m1));
}

inline float sum(const float* x, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + i + 8));
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
  if (i < n) s1 = _mm256_add_ps(s1, _mm256_maskload_ps(x + i, tail_mask(n - i)));  // masked lanes read 0
  return hsum(_mm256_add_ps(s0, s1));
}

inline float dot(const float* a, const float* b, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  if (i < n) {
    const __m256i mask = tail_mask(n - i);
    s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, mask), _mm256_maskload_ps(b + i, mask), s1);
  }
  return hsum(_mm256_add_ps(s0, s1));
}

inline float exp_shifted_sum(const float* x, float* y, int64_t n, float shift) {
  const __m256 s = _mm256_set1_ps(shift);
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
    if (y) _mm256_storeu_ps(y + i, e);
    acc = _mm256_add_ps(acc, e);
  }
  if (i < n) {
    const __m256i mask = tail_mask(n - i);
    const __m256 e = _mm256_and_ps(exp(_mm256_sub_ps(_mm256_maskload_ps(x + i, mask), s)), _mm256_castsi256_ps(mask));
    if (y) _mm256_maskstore_ps(y + i, mask, e);
    acc = _mm256_add_ps(acc, e);
  }
  return hsum(acc);
}

inline void exp_shifted(const float* x, float* y, int64_t n, float shift) {
  const __m256 s = _mm256_set1_ps(shift);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), s)));
  if (i < n) {
    const __m256i mask = tail_mask(n - i);
    _mm256_maskstore_ps(y + i, mask, exp(_mm256_sub_ps(_mm256_maskload_ps(x + i, mask), s)));
  }
}

inline __m256 sigmoid(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

inline void sigmoid(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, sigmoid(_mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i mask = tail_mask(n - i);
    _mm256_maskstore_ps(y + i, mask, sigmoid(_mm256_maskload_ps(x + i, mask)));
  }
}

}  // namespace avx2
#endif  // __AVX2__ && __FMA__

// ---------------------------------------------------------------------------------------------
#if defined(__AVX512F__)
namespace avx512 {

inline __m512 exp(__m512 x) {
  using namespace detail;
  x = _mm512_max_ps(_mm512_set1_ps(kMinInput), _mm512_min_ps(_mm512_set1_ps(kMaxInput), x));  // NaN stays
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), r);
  __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(kC7), r, _mm512_set1_ps(kC6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC5));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  // p * 2^n in one instruction, rounding once into the denormal range and saturating to +inf.
  return _mm512_scalef_ps(p, n);
}

inline __mmask16 tail_mask(int64_t count) { return __mmask16((1u << count) - 1u); }

inline float max(const float* x, int64_t n) {
  const __m512 neg_inf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  __m512 m0 = neg_inf, m1 = neg_inf;
  int64_t i = 0;
  // max(v, m) keeps m when v is NaN, as the scalar `v > m ? v : m` does.
  for (; i + 32 <= n; i += 32) {
    m0 = _mm512_max_ps(_mm512_loadu_ps(x + i), m0);
    m1 = _mm512_max_ps(_mm512_loadu_ps(x + i + 16), m1);
  }
  for (; i + 16 <= n; i += 16) m0 = _mm512_max_ps(_mm512_loadu_ps(x + i), m0);
  if (i < n) m1 = _mm512_max_ps(_mm512_mask_loadu_ps(neg_inf, tail_mask(n - i), x + i), m1);
  return _mm512_reduce_max_ps(_mm512_max_ps(m0, m1));
}

inline float sum(const float* x, int64_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + i));
    s1 = _mm512_add_ps(s1, _mm512_loadu_ps(x + i + 16));
  }
  for (; i + 16 <= n; i += 16) s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + i));
  if (i < n) s1 = _mm512_add_ps(s1, _mm512_maskz_loadu_ps(tail_mask(n - i), x + i));
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

inline float dot(const float* a, const float* b, int64_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
  }
  for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
  if (i < n) {
    const __mmask16 mask = tail_mask(n - i);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i), s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

inline float exp_shifted_sum(const float* x, float* y, int64_t n, float shift) {
  const __m512 s = _mm512_set1_ps(shift);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 e0 = exp(_mm512_sub_ps(_mm512_loadu_ps(x + i), s));
    const __m512 e1 = exp(_mm512_sub_ps(_mm512_loadu_ps(x + i + 16), s));
    if (y) {
      _mm512_storeu_ps(y + i, e0);
      _mm512_storeu_ps(y + i + 16, e1);
    }
    acc0 = _mm512_add_ps(acc0, e0);
    acc1 = _mm512_add_ps(acc1, e1);
  }
  for (; i < n; i += 16) {
    const __mmask16 mask = n - i >= 16 ? __mmask16(0xffff) : tail_mask(n - i);
    const __m512 e = exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, x + i), s));
    if (y) _mm512_mask_storeu_ps(y + i, mask, e);
    acc0 = _mm512_mask_add_ps(acc0, mask, acc0, e);  // lanes past the end add nothing
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

inline void exp_shifted(const float* x, float* y, int64_t n, float shift) {
  const __m512 s = _mm512_set1_ps(shift);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, exp(_mm512_sub_ps(_mm512_loadu_ps(x + i), s)));
  if (i < n) {
    const __mmask16 mask = tail_mask(n - i);
    _mm512_mask_storeu_ps(y + i, mask, exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, x + i), s)));
  }
}

inline __m512 sigmoid(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  return _mm512_div_ps(one, _mm512_add_ps(one, exp(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

inline void sigmoid(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, sigmoid(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 mask = tail_mask(n - i);
    _mm512_mask_storeu_ps(y + i, mask, sigmoid(_mm512_maskz_loadu_ps(mask, x + i)));
  }
}

}  // namespace avx512
#endif  // __AVX512F__

// ---------------------------------------------------------------------------------------------
// The widest implementation this build enables.
#if defined(__AVX512F__)
namespace f32 = avx512;
#elif defined(__AVX2__) && defined(__FMA__)
namespace f32 = avx2;
#else
namespace f32 = scalar;
#endif

// What kernels call: float goes through f32, double (gradient checks, references) stays scalar.
template <class T> T max(const T* x, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    return f32::max(x, n);
  } else {
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
    return m;
  }
}

template <class T> T sum(const T* x, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    return f32::sum(x, n);
  } else {
    T s = 0;
    for (int64_t i = 0; i < n; ++i) s += x[i];
    return s;
  }
}

template <class T> T dot(const T* a, const T* b, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    return f32::dot(a, b, n);
  } else {
    T s = 0;
    for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
  }
}

// y[i] = exp(x[i] - shift), y may alias x or be null; returns the sum of the exponentials.
template <class T> T exp_shifted_sum(const T* x, T* y, int64_t n, T shift) {
  if constexpr (std::is_same_v<T, float>) {
    return f32::exp_shifted_sum(x, y, n, shift);
  } else {
    T s = 0;
    for (int64_t i = 0; i < n; ++i) {
      const T e = std::exp(x[i] - shift);
      if (y) y[i] = e;
      s += e;
    }
    return s;
  }
}

// y[i] = exp(x[i] - shift), y may alias x.
template <class T> void exp_shifted(const T* x, T* y, int64_t n, T shift) {
  if constexpr (std::is_same_v<T, float>) {
    f32::exp_shifted(x, y, n, shift);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i] - shift);
  }
}

// y[i] = 1 / (1 + exp(-x[i])), y may alias x.
template <class T> void sigmoid(const T* x, T* y, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    f32::sigmoid(x, y, n);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = T(1) / (T(1) + std::exp(-x[i]));
  }
}

// Element-wise kernels built on the sigmoid (SiLU, SwiGLU and their gradients) take it a span at
// a time into a stack buffer of kSpan elements, then combine it with their other operands in a
// plain loop the compiler vectorises. for_each_span(n, parallel_min, f) calls f(begin, count)
// for each span of [0, n), in parallel (OpenMP) when n >= parallel_min.
constexpr int64_t kSpan = 512;

template <class F> void for_each_span(int64_t n, int64_t parallel_min, F f) {
  const int64_t spans = (n + kSpan - 1) / kSpan;
#pragma omp parallel for schedule(static) if (n >= parallel_min)
  for (int64_t s = 0; s < spans; ++s) {
    const int64_t begin = s * kSpan;
    f(begin, n - begin < kSpan ? n - begin : kSpan);
  }
}

}  // namespace hone::vecmath

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic pop
#endif
