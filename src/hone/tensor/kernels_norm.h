// Row-wise normalisation kernels on [rows, D] arrays, templated on float and double:
// RMSNorm as Hugging Face's LlamaRMSNorm and LayerNorm as torch.nn.functional.layer_norm.
// Forward and backward are each one fused pass over the rows (OpenMP across rows).
#pragma once

#include <cstdint>

namespace hone {
namespace kernels {

// y = x * rsqrt(mean(x^2) + eps) * weight. Writes the per-row rsqrt into rstd[rows] for backward.
template <class T>
void rms_norm(const T* x, const T* weight, T* y, T* rstd, int64_t rows, int64_t D, double eps);

// Gradients of rms_norm given dy. dx may be null (input frozen); dweight may be null, otherwise
// it is overwritten with the sum over rows.
template <class T>
void rms_norm_backward(const T* x, const T* weight, const T* rstd, const T* dy, T* dx, T* dweight, int64_t rows,
                       int64_t D);

// y = (x - mean) * rsqrt(var + eps) * weight + bias with the biased variance; weight and bias may
// be null (no affine part). Writes mean[rows] and rstd[rows] for backward.
template <class T>
void layer_norm(const T* x, const T* weight, const T* bias, T* y, T* mean, T* rstd, int64_t rows, int64_t D,
                double eps);

// Gradients of layer_norm. Any of dx, dweight, dbias may be null when not wanted.
template <class T>
void layer_norm_backward(const T* x, const T* weight, const T* mean, const T* rstd, const T* dy, T* dx, T* dweight,
                         T* dbias, int64_t rows, int64_t D);

}  // namespace kernels
}  // namespace hone
