// Softmax and log-softmax along the last dimension of a [rows, cols] array (templated on float
// and double), and their backward rules. Each row subtracts its maximum before exponentiating,
// so large logits never overflow; rows run in parallel.
#pragma once

#include <cstdint>

namespace hone {
namespace kernels {

// Log-sum-exp of one row, max-subtracted: max + log(sum(exp(x - max))).
template <class T> T logsumexp_row(const T* x, int64_t cols);
// Writes softmax(x) of one row into y (y may alias x).
template <class T> void softmax_row(const T* x, T* y, int64_t cols);

template <class T> void softmax(const T* x, T* y, int64_t rows, int64_t cols);
template <class T> void log_softmax(const T* x, T* y, int64_t rows, int64_t cols);
// From the forward output y: dx = y * (dy - sum(dy * y)).
template <class T> void softmax_backward(const T* y, const T* dy, T* dx, int64_t rows, int64_t cols);
// From the forward output y (log-probabilities): dx = dy - exp(y) * sum(dy).
template <class T> void log_softmax_backward(const T* y, const T* dy, T* dx, int64_t rows, int64_t cols);

}  // namespace kernels
}  // namespace hone
