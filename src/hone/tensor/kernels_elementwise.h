// Element-wise kernels on flat arrays (templated on float and double) and the Tensor-level
// helpers the autograd layer builds on. All are OpenMP-parallel above a size threshold.
#pragma once

#include <cstdint>

#include "hone/tensor/tensor.h"

namespace hone {
namespace kernels {

// Element-wise with trailing broadcast: b has nb elements and repeats every nb elements of a
// (nb == n for same-shape operands, nb == 1 for a scalar).
template <class T> void add(const T* a, const T* b, T* out, int64_t n, int64_t nb);
template <class T> void sub(const T* a, const T* b, T* out, int64_t n, int64_t nb);
template <class T> void mul(const T* a, const T* b, T* out, int64_t n, int64_t nb);
// Sums a [n / nb, nb] array over its rows into out[nb] (the backward of a trailing broadcast).
template <class T> void sum_rows(const T* a, T* out, int64_t n, int64_t nb);
// out = a * s
template <class T> void scale(const T* a, T s, T* out, int64_t n);
// y += alpha * x
template <class T> void axpy(T alpha, const T* x, T* y, int64_t n);
template <class T> void exp(const T* a, T* out, int64_t n);
// silu(x) = x * sigmoid(x); backward: dx = dy * s * (1 + x * (1 - s)).
template <class T> void silu(const T* a, T* out, int64_t n);
template <class T> void silu_backward(const T* a, const T* dy, T* dx, int64_t n);
// GELU, tanh approximation (PyTorch's approximate="tanh").
template <class T> void gelu_tanh(const T* a, T* out, int64_t n);
template <class T> void gelu_tanh_backward(const T* a, const T* dy, T* dx, int64_t n);

}  // namespace kernels

// dst += src (same shape and dtype; f32 or f64).
void add_inplace(Tensor& dst, const Tensor& src);

}  // namespace hone
