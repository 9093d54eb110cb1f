#include "hone/autograd/ops_norm.h"

#include "hone/autograd/record.h"
#include "hone/tensor/dispatch.h"
#include "hone/tensor/kernels_norm.h"

namespace hone {

namespace {

// Checks a [D] parameter of a norm over x [..., D] (skipped when the parameter is undefined).
void check_norm_param(const char* op, const char* role, const Tensor& x, const Tensor& p) {
  if (!p.defined()) return;
  check_same_float_dtype(op, {x, p});
  HONE_CHECK(p.rank() == 1 && p.dim(0) == x.dim(-1), op, ": ", role, " ", describe(p), " must be [", x.dim(-1),
             "] to match the last dimension of ", describe(x));
}

void check_norm_input(const char* op, const Tensor& x, double eps) {
  check_same_float_dtype(op, {x});
  HONE_CHECK(x.rank() >= 1 && x.dim(-1) > 0, op, ": input ", describe(x), " needs a non-empty last dimension");
  HONE_CHECK(eps >= 0, op, ": eps must be >= 0, got ", eps);
}

Shape stats_shape(const Tensor& x) { return Shape{x.shape().rows()}; }

}  // namespace

Tensor rms_norm(const Tensor& x, const Tensor& weight, double eps) {
  check_norm_input("rms_norm", x, eps);
  HONE_CHECK(weight.defined(), "rms_norm: weight is required");
  check_norm_param("rms_norm", "weight", x, weight);
  const int64_t rows = x.shape().rows(), D = x.dim(-1);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  Tensor rstd = Tensor::empty(stats_shape(x), x.dtype());
  HONE_DISPATCH_FLOAT(x.dtype(), T, "rms_norm", [&] {
    kernels::rms_norm<T>(x.data<T>(), weight.data<T>(), y.data<T>(), rstd.data<T>(), rows, D, eps);
  });
  if (!any_requires_grad({x, weight})) return y;
  return record(y, "rms_norm", {x, weight}, [x, weight, rstd, rows, D](const Tensor& g, const std::vector<bool>& needs) {
    std::vector<Tensor> grads(2);
    if (needs[0]) grads[0] = Tensor::empty(x.shape(), x.dtype());
    if (needs[1]) grads[1] = Tensor::empty(weight.shape(), weight.dtype());
    HONE_DISPATCH_FLOAT(x.dtype(), T, "rms_norm backward", [&] {
      kernels::rms_norm_backward<T>(x.data<T>(), weight.data<T>(), rstd.data<T>(), g.data<T>(),
                                    needs[0] ? grads[0].data<T>() : nullptr, needs[1] ? grads[1].data<T>() : nullptr,
                                    rows, D);
    });
    return grads;
  });
}

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  check_norm_input("layer_norm", x, eps);
  check_norm_param("layer_norm", "weight", x, weight);
  check_norm_param("layer_norm", "bias", x, bias);
  const int64_t rows = x.shape().rows(), D = x.dim(-1);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  Tensor mean = Tensor::empty(stats_shape(x), x.dtype());
  Tensor rstd = Tensor::empty(stats_shape(x), x.dtype());
  HONE_DISPATCH_FLOAT(x.dtype(), T, "layer_norm", [&] {
    kernels::layer_norm<T>(x.data<T>(), weight.defined() ? weight.data<T>() : nullptr,
                           bias.defined() ? bias.data<T>() : nullptr, y.data<T>(), mean.data<T>(), rstd.data<T>(), rows,
                           D, eps);
  });
  if (!any_requires_grad({x, weight, bias})) return y;
  return record(y, "layer_norm", {x, weight, bias},
                [x, weight, mean, rstd, rows, D](const Tensor& g, const std::vector<bool>& needs) {
                  std::vector<Tensor> grads(3);
                  for (size_t i = 0; i < 3; ++i)
                    if (needs[i]) grads[i] = Tensor::empty(i == 0 ? x.shape() : Shape{D}, x.dtype());
                  HONE_DISPATCH_FLOAT(x.dtype(), T, "layer_norm backward", [&] {
                    auto ptr = [&](size_t i) { return needs[i] ? grads[i].data<T>() : nullptr; };
                    kernels::layer_norm_backward<T>(x.data<T>(), weight.defined() ? weight.data<T>() : nullptr,
                                                    mean.data<T>(), rstd.data<T>(), g.data<T>(), ptr(0), ptr(1), ptr(2),
                                                    rows, D);
                  });
                  return grads;
                });
}

}  // namespace hone
