#include "hone/tensor/kernels_softmax.h"

#include <cmath>

#include "hone/tensor/vector_math.h"

namespace hone {
namespace kernels {

namespace {
constexpr int64_t kParallelMin = 1 << 14;

// A row that is all -inf (fully masked) has no finite maximum; shifting by 0 instead gives
// logsumexp = -inf as PyTorch does, rather than NaN from exp(-inf + inf).
template <class T> T safe_shift(T m) { return std::isfinite(m) ? m : T(0); }
}  // namespace

template <class T> T logsumexp_row(const T* x, int64_t cols) {
  const T m = safe_shift(vecmath::max(x, cols));
  return m + std::log(vecmath::exp_shifted_sum<T>(x, nullptr, cols, m));
}

template <class T> void softmax_row(const T* x, T* y, int64_t cols) {
  const T m = safe_shift(vecmath::max(x, cols));
  const T inv = T(1) / vecmath::exp_shifted_sum(x, y, cols, m);
  for (int64_t j = 0; j < cols; ++j) y[j] *= inv;
}

template <class T> void softmax(const T* x, T* y, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) softmax_row(x + r * cols, y + r * cols, cols);
}

template <class T> void log_softmax(const T* x, T* y, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    const T lse = logsumexp_row(xr, cols);
    for (int64_t j = 0; j < cols; ++j) yr[j] = xr[j] - lse;
  }
}

template <class T> void softmax_backward(const T* y, const T* dy, T* dx, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* yr = y + r * cols;
    const T* gr = dy + r * cols;
    T* out = dx + r * cols;
    const T dot = vecmath::dot(yr, gr, cols);
    for (int64_t j = 0; j < cols; ++j) out[j] = yr[j] * (gr[j] - dot);
  }
}

template <class T> void log_softmax_backward(const T* y, const T* dy, T* dx, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* yr = y + r * cols;
    const T* gr = dy + r * cols;
    T* out = dx + r * cols;
    const T total = vecmath::sum(gr, cols);
    // The probabilities go into out first (out is a fresh buffer, never dy), then dy - p * total.
    vecmath::exp_shifted(yr, out, cols, T(0));
    for (int64_t j = 0; j < cols; ++j) out[j] = gr[j] - out[j] * total;
  }
}

#define HONE_INSTANTIATE(T)                                                          \
  template T logsumexp_row<T>(const T*, int64_t);                                    \
  template void softmax_row<T>(const T*, T*, int64_t);                               \
  template void softmax<T>(const T*, T*, int64_t, int64_t);                          \
  template void log_softmax<T>(const T*, T*, int64_t, int64_t);                      \
  template void softmax_backward<T>(const T*, const T*, T*, int64_t, int64_t);       \
  template void log_softmax_backward<T>(const T*, const T*, T*, int64_t, int64_t);
HONE_INSTANTIATE(float)
HONE_INSTANTIATE(double)
#undef HONE_INSTANTIATE

}  // namespace kernels
}  // namespace hone
