#include "hone/tensor/kernels_reduce.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hone {
namespace kernels {

namespace {
constexpr int64_t kParallelMin = 1 << 15;
// Fixed block size for sum_all: the partial sums, and so the rounding, are the same on any
// number of threads.
constexpr int64_t kSumBlock = 1 << 14;

template <class T> double sum_range(const T* a, int64_t n) {
  double acc = 0;
  for (int64_t i = 0; i < n; ++i) acc += double(a[i]);
  return acc;
}
}  // namespace

template <class T> T sum_all(const T* a, int64_t n) {
  const int64_t blocks = (n + kSumBlock - 1) / kSumBlock;
  if (blocks <= 1) return T(sum_range(a, n));
  std::vector<double> partial(size_t(blocks), 0.0);
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * kSumBlock;
    partial[size_t(b)] = sum_range(a + begin, std::min(kSumBlock, n - begin));
  }
  double acc = 0;
  for (double p : partial) acc += p;
  return T(acc);
}

template <class T> void sum_last(const T* a, T* out, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) out[r] = T(sum_range(a + r * cols, cols));
}

template <class T> void max_last(const T* a, T* out, int32_t* argmax, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = a + r * cols;
    int64_t best = 0;
    for (int64_t j = 1; j < cols && !std::isnan(row[best]); ++j)
      if (row[j] > row[best] || std::isnan(row[j])) best = j;
    out[r] = row[best];
    argmax[r] = int32_t(best);
  }
}

template <class T> void expand_last(const T* g, T s, T* out, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) std::fill(out + r * cols, out + (r + 1) * cols, g[r] * s);
}

template <class T> void scatter_last(const T* g, const int32_t* argmax, T* out, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    std::fill(out + r * cols, out + (r + 1) * cols, T(0));
    out[r * cols + argmax[r]] = g[r];
  }
}

#define HONE_INSTANTIATE(T)                                                  \
  template T sum_all<T>(const T*, int64_t);                                  \
  template void sum_last<T>(const T*, T*, int64_t, int64_t);                 \
  template void max_last<T>(const T*, T*, int32_t*, int64_t, int64_t);       \
  template void expand_last<T>(const T*, T, T*, int64_t, int64_t);           \
  template void scatter_last<T>(const T*, const int32_t*, T*, int64_t, int64_t);
HONE_INSTANTIATE(float)
HONE_INSTANTIATE(double)
#undef HONE_INSTANTIATE

}  // namespace kernels
}  // namespace hone
