// Reduction kernels on flat row-major arrays (templated on float and double): sums over all
// elements and sum / max along the last dimension, plus the broadcasts their backward rules need.
// Results never depend on the thread count: work is split into fixed-size blocks summed in order.
#pragma once

#include <cstdint>

namespace hone {
namespace kernels {

// Sum of a[0..n). Accumulates in double so a float sum of millions of elements stays accurate.
template <class T> T sum_all(const T* a, int64_t n);
// out[r] = sum_j a[r, j] for an a of [rows, cols].
template <class T> void sum_last(const T* a, T* out, int64_t rows, int64_t cols);
// out[r] = max_j a[r, j] and argmax[r] = the first j that attains it (a NaN wins, as in PyTorch).
// cols must be at least 1.
template <class T> void max_last(const T* a, T* out, int32_t* argmax, int64_t rows, int64_t cols);
// out[r, j] = g[r] * s for every j: the backward of sum_last (s = 1) and mean_last (s = 1/cols).
template <class T> void expand_last(const T* g, T s, T* out, int64_t rows, int64_t cols);
// out = 0 except out[r, argmax[r]] = g[r]: the backward of max_last.
template <class T> void scatter_last(const T* g, const int32_t* argmax, T* out, int64_t rows, int64_t cols);

}  // namespace kernels
}  // namespace hone
