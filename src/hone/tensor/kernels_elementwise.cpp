#include "hone/tensor/kernels_elementwise.h"

#include <cmath>

#include "hone/tensor/dispatch.h"
#include "hone/tensor/vector_math.h"

namespace hone {
namespace kernels {

namespace {
constexpr int64_t kParallelMin = 1 << 15;

// out[i] = f(a[i], b[i % nb]) without a division per element.
template <class T, class F>
void broadcast_binary(const T* a, const T* b, T* out, int64_t n, int64_t nb, F f) {
  if (nb == n) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
    return;
  }
  const int64_t rows = n / nb;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* ar = a + r * nb;
    T* o = out + r * nb;
    for (int64_t j = 0; j < nb; ++j) o[j] = f(ar[j], b[j]);
  }
}

template <class T, class F>
void unary(const T* a, T* out, int64_t n, F f) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) out[i] = f(a[i]);
}
}  // namespace

template <class T> void add(const T* a, const T* b, T* out, int64_t n, int64_t nb) {
  broadcast_binary(a, b, out, n, nb, [](T x, T y) { return x + y; });
}
template <class T> void sub(const T* a, const T* b, T* out, int64_t n, int64_t nb) {
  broadcast_binary(a, b, out, n, nb, [](T x, T y) { return x - y; });
}
template <class T> void mul(const T* a, const T* b, T* out, int64_t n, int64_t nb) {
  broadcast_binary(a, b, out, n, nb, [](T x, T y) { return x * y; });
}

template <class T> void sum_rows(const T* a, T* out, int64_t n, int64_t nb) {
  const int64_t rows = n / nb;
  // Parallel over columns so each output is summed by one thread in a fixed order.
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t j = 0; j < nb; ++j) {
    T acc = 0;
    for (int64_t r = 0; r < rows; ++r) acc += a[r * nb + j];
    out[j] = acc;
  }
}

template <class T> void scale(const T* a, T s, T* out, int64_t n) {
  unary(a, out, n, [s](T x) { return x * s; });
}

template <class T> void axpy(T alpha, const T* x, T* y, int64_t n) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

template <class T> void exp(const T* a, T* out, int64_t n) {
  vecmath::for_each_span(n, kParallelMin, [&](int64_t begin, int64_t count) {
    vecmath::exp_shifted(a + begin, out + begin, count, T(0));
  });
}

// silu(x) = x * sigmoid(x), with the sigmoid of each span taken vectorised into a stack buffer.
template <class T> void silu(const T* a, T* out, int64_t n) {
  vecmath::for_each_span(n, kParallelMin, [&](int64_t begin, int64_t count) {
    const T* x = a + begin;
    T* y = out + begin;
    T s[vecmath::kSpan];
    vecmath::sigmoid(x, s, count);
    for (int64_t i = 0; i < count; ++i) y[i] = x[i] * s[i];
  });
}

template <class T> void silu_backward(const T* a, const T* dy, T* dx, int64_t n) {
  vecmath::for_each_span(n, kParallelMin, [&](int64_t begin, int64_t count) {
    const T* x = a + begin;
    const T* g = dy + begin;
    T* out = dx + begin;
    T s[vecmath::kSpan];
    vecmath::sigmoid(x, s, count);
    for (int64_t i = 0; i < count; ++i) out[i] = g[i] * s[i] * (T(1) + x[i] * (T(1) - s[i]));
  });
}

namespace {
template <class T> constexpr T kSqrt2OverPi = T(0.7978845608028654);
template <class T> constexpr T kGeluCubic = T(0.044715);
}  // namespace

template <class T> void gelu_tanh(const T* a, T* out, int64_t n) {
  unary(a, out, n, [](T x) {
    return T(0.5) * x * (T(1) + std::tanh(kSqrt2OverPi<T> * (x + kGeluCubic<T> * x * x * x)));
  });
}

template <class T> void gelu_tanh_backward(const T* a, const T* dy, T* dx, int64_t n) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) {
    const T x = a[i];
    const T t = std::tanh(kSqrt2OverPi<T> * (x + kGeluCubic<T> * x * x * x));
    const T dt = (T(1) - t * t) * kSqrt2OverPi<T> * (T(1) + T(3) * kGeluCubic<T> * x * x);
    dx[i] = dy[i] * (T(0.5) * (T(1) + t) + T(0.5) * x * dt);
  }
}

#define HONE_INSTANTIATE(T)                                               \
  template void add<T>(const T*, const T*, T*, int64_t, int64_t);         \
  template void sub<T>(const T*, const T*, T*, int64_t, int64_t);         \
  template void mul<T>(const T*, const T*, T*, int64_t, int64_t);         \
  template void sum_rows<T>(const T*, T*, int64_t, int64_t);              \
  template void scale<T>(const T*, T, T*, int64_t);                       \
  template void axpy<T>(T, const T*, T*, int64_t);                        \
  template void exp<T>(const T*, T*, int64_t);                            \
  template void silu<T>(const T*, T*, int64_t);                           \
  template void silu_backward<T>(const T*, const T*, T*, int64_t);        \
  template void gelu_tanh<T>(const T*, T*, int64_t);                      \
  template void gelu_tanh_backward<T>(const T*, const T*, T*, int64_t);
HONE_INSTANTIATE(float)
HONE_INSTANTIATE(double)
#undef HONE_INSTANTIATE

}  // namespace kernels

void add_inplace(Tensor& dst, const Tensor& src) {
  check_same_float_dtype("add_inplace", {dst, src});
  check_same_shape("add_inplace", dst, src);
  HONE_DISPATCH_FLOAT(dst.dtype(), T, "add_inplace",
                      [&] { kernels::axpy<T>(T(1), src.data<T>(), dst.data<T>(), dst.numel()); });
}

}  // namespace hone
