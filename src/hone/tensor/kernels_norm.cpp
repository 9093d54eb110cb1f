#include "hone/tensor/kernels_norm.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace hone {
namespace kernels {

namespace {
constexpr int64_t kParallelMin = 1 << 14;

// Row sums are accumulated in double even for f32 data: it costs nothing next to the memory
// traffic and keeps the statistics independent of D's size.
using Acc = double;

int thread_count(int64_t rows, int64_t D) {
  return rows * D >= kParallelMin ? int(std::min<int64_t>(omp_get_max_threads(), rows)) : 1;
}

// Runs body(begin, end, partial) over contiguous row ranges, one per thread, where partial is that
// thread's zeroed [width] accumulator; then reduces the partials in thread order into out (when
// out is not null). Fixed ranges and a fixed reduction order keep the result reproducible.
template <class T, class Body>
void rows_with_partials(int64_t rows, int64_t D, int64_t width, T* out, Body body) {
  const int nt = thread_count(rows, D);
  std::vector<Acc> partials(out ? size_t(nt) * size_t(width) : 0, Acc(0));
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    const int t = omp_get_thread_num();
    const int64_t begin = rows * t / nt, end = rows * (t + 1) / nt;
    body(begin, end, out ? partials.data() + size_t(t) * size_t(width) : nullptr);
  }
  if (!out) return;
  for (int64_t j = 0; j < width; ++j) {
    Acc acc = 0;
    for (int t = 0; t < nt; ++t) acc += partials[size_t(t) * size_t(width) + size_t(j)];
    out[j] = T(acc);
  }
}
}  // namespace

template <class T>
void rms_norm(const T* x, const T* weight, T* y, T* rstd, int64_t rows, int64_t D, double eps) {
#pragma omp parallel for schedule(static) if (rows * D >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * D;
    T* yr = y + r * D;
    Acc sq = 0;
    for (int64_t j = 0; j < D; ++j) sq += Acc(xr[j]) * Acc(xr[j]);
    const T inv = T(1.0 / std::sqrt(sq / Acc(D) + eps));
    rstd[r] = inv;
    for (int64_t j = 0; j < D; ++j) yr[j] = weight[j] * (xr[j] * inv);
  }
}

template <class T>
void rms_norm_backward(const T* x, const T* weight, const T* rstd, const T* dy, T* dx, T* dweight, int64_t rows,
                       int64_t D) {
  rows_with_partials<T>(rows, D, D, dweight, [&](int64_t begin, int64_t end, Acc* dw) {
    for (int64_t r = begin; r < end; ++r) {
      const T* xr = x + r * D;
      const T* gr = dy + r * D;
      const T inv = rstd[r];
      if (dw)
        for (int64_t j = 0; j < D; ++j) dw[j] += Acc(gr[j]) * Acc(xr[j] * inv);
      if (!dx) continue;
      // y_j = w_j x_j r with r = (mean(x^2) + eps)^-1/2, so
      // dx_j = r (g w)_j - x_j r^3 mean_k((g w)_k x_k).
      Acc dot = 0;
      for (int64_t j = 0; j < D; ++j) dot += Acc(gr[j]) * Acc(weight[j]) * Acc(xr[j]);
      const T coef = T(dot / Acc(D) * Acc(inv) * Acc(inv) * Acc(inv));
      T* dxr = dx + r * D;
      for (int64_t j = 0; j < D; ++j) dxr[j] = inv * gr[j] * weight[j] - coef * xr[j];
    }
  });
}

template <class T>
void layer_norm(const T* x, const T* weight, const T* bias, T* y, T* mean, T* rstd, int64_t rows, int64_t D,
                double eps) {
#pragma omp parallel for schedule(static) if (rows * D >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * D;
    T* yr = y + r * D;
    Acc sum = 0;
    for (int64_t j = 0; j < D; ++j) sum += Acc(xr[j]);
    const Acc mu = sum / Acc(D);
    Acc var = 0;  // two-pass variance: no cancellation when |mean| >> std
    for (int64_t j = 0; j < D; ++j) var += (Acc(xr[j]) - mu) * (Acc(xr[j]) - mu);
    const T inv = T(1.0 / std::sqrt(var / Acc(D) + eps));
    mean[r] = T(mu);
    rstd[r] = inv;
    const T m = T(mu);
    for (int64_t j = 0; j < D; ++j) {
      T v = (xr[j] - m) * inv;
      if (weight) v *= weight[j];
      if (bias) v += bias[j];
      yr[j] = v;
    }
  }
}

template <class T>
void layer_norm_backward(const T* x, const T* weight, const T* mean, const T* rstd, const T* dy, T* dx, T* dweight,
                         T* dbias, int64_t rows, int64_t D) {
  // One partial buffer holds [dweight | dbias] so both reduce in the same pass.
  const bool want_params = dweight || dbias;
  std::vector<T> params(want_params ? size_t(2 * D) : 0);
  rows_with_partials<T>(rows, D, 2 * D, want_params ? params.data() : nullptr, [&](int64_t begin, int64_t end, Acc* p) {
    for (int64_t r = begin; r < end; ++r) {
      const T* xr = x + r * D;
      const T* gr = dy + r * D;
      const T m = mean[r], inv = rstd[r];
      if (p)
        for (int64_t j = 0; j < D; ++j) {
          p[j] += Acc(gr[j]) * Acc((xr[j] - m) * inv);
          p[D + j] += Acc(gr[j]);
        }
      if (!dx) continue;
      // With u = g w and xhat = (x - mean) rstd:
      // dx = rstd (u - mean(u) - xhat mean(u xhat)).
      Acc sum_u = 0, sum_u_xhat = 0;
      for (int64_t j = 0; j < D; ++j) {
        const Acc u = Acc(gr[j]) * (weight ? Acc(weight[j]) : Acc(1));
        sum_u += u;
        sum_u_xhat += u * Acc((xr[j] - m) * inv);
      }
      const T mean_u = T(sum_u / Acc(D)), mean_u_xhat = T(sum_u_xhat / Acc(D));
      T* dxr = dx + r * D;
      for (int64_t j = 0; j < D; ++j) {
        const T u = weight ? gr[j] * weight[j] : gr[j];
        dxr[j] = inv * (u - mean_u - (xr[j] - m) * inv * mean_u_xhat);
      }
    }
  });
  if (dweight) std::copy(params.begin(), params.begin() + D, dweight);
  if (dbias) std::copy(params.begin() + D, params.end(), dbias);
}

#define HONE_INSTANTIATE(T)                                                                                          \
  template void rms_norm<T>(const T*, const T*, T*, T*, int64_t, int64_t, double);                                   \
  template void rms_norm_backward<T>(const T*, const T*, const T*, const T*, T*, T*, int64_t, int64_t);              \
  template void layer_norm<T>(const T*, const T*, const T*, T*, T*, T*, int64_t, int64_t, double);                  \
  template void layer_norm_backward<T>(const T*, const T*, const T*, const T*, const T*, T*, T*, T*, int64_t, int64_t);
HONE_INSTANTIATE(float)
HONE_INSTANTIATE(double)
#undef HONE_INSTANTIATE

}  // namespace kernels
}  // namespace hone
