#include "hone/autograd/ops_reduce.h"

#include "hone/autograd/record.h"
#include "hone/tensor/dispatch.h"
#include "hone/tensor/kernels_reduce.h"

namespace hone {

namespace {

// a's shape without its last dimension (or with it set to 1). A 1-D input reduces to [1] so
// the result always has a dimension to index.
Shape reduced_shape(const Tensor& a, bool keepdim) {
  Shape out;
  for (int i = 0; i + 1 < a.rank(); ++i) out.push_back(a.dim(i));
  if (keepdim || out.rank() == 0) out.push_back(1);
  return out;
}

void check_reducible(const char* op, const Tensor& a) {
  check_same_float_dtype(op, {a});
  HONE_CHECK(a.rank() >= 1, op, ": ", describe(a), " has no last dimension");
}

Tensor total(const char* op, const Tensor& a, double factor) {
  check_same_float_dtype(op, {a});
  Tensor out = Tensor::empty(Shape{1}, a.dtype());
  HONE_DISPATCH_FLOAT(a.dtype(), T, op,
                      [&] { out.data<T>()[0] = T(factor) * kernels::sum_all<T>(a.data<T>(), a.numel()); });
  if (!any_requires_grad({a})) return out;
  const Shape shape = a.shape();
  return record(out, op, {a}, [shape, factor](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(shape, g.dtype());
    HONE_DISPATCH_FLOAT(g.dtype(), T, "sum backward",
                        [&] { kernels::expand_last<T>(g.data<T>(), T(factor), dx.data<T>(), 1, dx.numel()); });
    return std::vector<Tensor>{dx};
  });
}

Tensor along_last(const char* op, const Tensor& a, bool keepdim, bool average) {
  check_reducible(op, a);
  const int64_t rows = a.shape().rows(), cols = a.shape().cols();
  HONE_CHECK(!(average && cols == 0), op, ": mean over an empty last dimension of ", describe(a));
  const double factor = average ? 1.0 / double(cols) : 1.0;
  Tensor out = Tensor::empty(reduced_shape(a, keepdim), a.dtype());
  HONE_DISPATCH_FLOAT(a.dtype(), T, op, [&] {
    kernels::sum_last<T>(a.data<T>(), out.data<T>(), rows, cols);
    if (average) for (int64_t r = 0; r < rows; ++r) out.data<T>()[r] *= T(factor);
  });
  if (!any_requires_grad({a})) return out;
  const Shape shape = a.shape();
  return record(out, op, {a}, [shape, rows, cols, factor](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(shape, g.dtype());
    HONE_DISPATCH_FLOAT(g.dtype(), T, "sum_last_dim backward",
                        [&] { kernels::expand_last<T>(g.data<T>(), T(factor), dx.data<T>(), rows, cols); });
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

Tensor sum(const Tensor& a) { return total("sum", a, 1.0); }

Tensor mean(const Tensor& a) {
  HONE_CHECK(a.defined() && a.numel() > 0, "mean: ", (a.defined() ? describe(a) : "undefined tensor"),
             " has no elements");
  return total("mean", a, 1.0 / double(a.numel()));
}

Tensor sum_last_dim(const Tensor& a, bool keepdim) { return along_last("sum_last_dim", a, keepdim, false); }

Tensor mean_last_dim(const Tensor& a, bool keepdim) { return along_last("mean_last_dim", a, keepdim, true); }

Tensor max_last_dim(const Tensor& a, bool keepdim) {
  check_reducible("max_last_dim", a);
  const int64_t rows = a.shape().rows(), cols = a.shape().cols();
  HONE_CHECK(cols > 0, "max_last_dim: ", describe(a), " has an empty last dimension");
  Tensor out = Tensor::empty(reduced_shape(a, keepdim), a.dtype());
  Tensor argmax = Tensor::empty(Shape{rows}, DType::I32);
  HONE_DISPATCH_FLOAT(a.dtype(), T, "max_last_dim",
                      [&] { kernels::max_last<T>(a.data<T>(), out.data<T>(), argmax.data<int32_t>(), rows, cols); });
  if (!any_requires_grad({a})) return out;
  const Shape shape = a.shape();
  return record(out, "max_last_dim", {a}, [shape, argmax, rows, cols](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(shape, g.dtype());
    HONE_DISPATCH_FLOAT(g.dtype(), T, "max_last_dim backward", [&] {
      kernels::scatter_last<T>(g.data<T>(), argmax.data<int32_t>(), dx.data<T>(), rows, cols);
    });
    return std::vector<Tensor>{dx};
  });
}

}  // namespace hone
