#include "hone/tensor/kernels_swiglu.h"

#include "hone/tensor/vector_math.h"

namespace hone {
namespace kernels {

namespace {
constexpr int64_t kParallelMin = 1 << 15;
}  // namespace

template <class T> void swiglu(const T* gate, const T* up, T* out, int64_t n) {
  vecmath::for_each_span(n, kParallelMin, [&](int64_t begin, int64_t count) {
    const T* g = gate + begin;
    const T* u = up + begin;
    T* y = out + begin;
    T s[vecmath::kSpan];
    vecmath::sigmoid(g, s, count);
    for (int64_t i = 0; i < count; ++i) y[i] = g[i] * s[i] * u[i];
  });
}

template <class T>
void swiglu_backward(const T* gate, const T* up, const T* dy, T* d_gate, T* d_up, int64_t n) {
  vecmath::for_each_span(n, kParallelMin, [&](int64_t begin, int64_t count) {
    const T* g = gate + begin;
    const T* u = up + begin;
    const T* d = dy + begin;
    T s[vecmath::kSpan];
    vecmath::sigmoid(g, s, count);
    // Separate loops per wanted output keep each one branch-free (and vectorised).
    if (d_gate && d_up) {
      T* dg = d_gate + begin;
      T* du = d_up + begin;
      for (int64_t i = 0; i < count; ++i) {
        const T ds = d[i] * s[i];
        du[i] = ds * g[i];
        dg[i] = ds * u[i] * (T(1) + g[i] * (T(1) - s[i]));
      }
    } else if (d_gate) {
      T* dg = d_gate + begin;
      for (int64_t i = 0; i < count; ++i) dg[i] = d[i] * s[i] * u[i] * (T(1) + g[i] * (T(1) - s[i]));
    } else if (d_up) {
      T* du = d_up + begin;
      for (int64_t i = 0; i < count; ++i) du[i] = d[i] * s[i] * g[i];
    }
  });
}

#define HONE_INSTANTIATE(T)                                          \
  template void swiglu<T>(const T*, const T*, T*, int64_t);          \
  template void swiglu_backward<T>(const T*, const T*, const T*, T*, T*, int64_t);
HONE_INSTANTIATE(float)
HONE_INSTANTIATE(double)
#undef HONE_INSTANTIATE

}  // namespace kernels
}  // namespace hone
