#include "hone/autograd/ops_softmax.h"

#include "hone/autograd/record.h"
#include "hone/tensor/dispatch.h"
#include "hone/tensor/kernels_softmax.h"

namespace hone {

namespace {

template <class Forward, class Backward>
Tensor along_last(const char* op, const Tensor& a, Forward forward, Backward backward_kernel) {
  check_same_float_dtype(op, {a});
  HONE_CHECK(a.rank() >= 1, op, ": ", describe(a), " has no last dimension");
  const int64_t rows = a.shape().rows(), cols = a.shape().cols();
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  HONE_DISPATCH_FLOAT(a.dtype(), T, op, [&] { forward(a.data<T>(), out.data<T>(), rows, cols); });
  if (!any_requires_grad({a})) return out;
  const Tensor y = out.detach();  // backward needs only the output
  return record(out, op, {a}, [y, rows, cols, op, backward_kernel](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(y.shape(), y.dtype());
    HONE_DISPATCH_FLOAT(y.dtype(), T, op,
                        [&] { backward_kernel(y.data<T>(), g.data<T>(), dx.data<T>(), rows, cols); });
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

Tensor softmax(const Tensor& a) {
  return along_last(
      "softmax", a, [](auto* x, auto* y, int64_t r, int64_t c) { kernels::softmax(x, y, r, c); },
      [](auto* y, auto* dy, auto* dx, int64_t r, int64_t c) { kernels::softmax_backward(y, dy, dx, r, c); });
}

Tensor log_softmax(const Tensor& a) {
  return along_last(
      "log_softmax", a, [](auto* x, auto* y, int64_t r, int64_t c) { kernels::log_softmax(x, y, r, c); },
      [](auto* y, auto* dy, auto* dx, int64_t r, int64_t c) { kernels::log_softmax_backward(y, dy, dx, r, c); });
}

}  // namespace hone
