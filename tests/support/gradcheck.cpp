#include "support/gradcheck.h"

#include <gtest/gtest.h>

#include <cmath>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/util/rng.h"

namespace hone::testing {

Tensor random_f64(const Shape& shape, uint64_t seed, double lo, double hi) {
  Tensor t = Tensor::empty(shape, DType::F64);
  Rng rng(seed, 7);
  double* p = t.data<double>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = lo + (hi - lo) * rng.uniform(uint64_t(i));
  return t;
}

Tensor random_f32(const Shape& shape, uint64_t seed, double lo, double hi) {
  return random_f64(shape, seed, lo, hi).to(DType::F32);
}

namespace {
double weighted_sum(const Tensor& out, const Tensor& weights) {
  const auto o = out.to_doubles();
  const auto w = weights.to_doubles();
  double s = 0;
  for (size_t i = 0; i < o.size(); ++i) s += o[i] * w[i];
  return s;
}
}  // namespace

void expect_gradients_match(const OpUnderTest& op, const std::vector<Tensor>& inputs,
                            const GradcheckOptions& opt) {
  for (const Tensor& in : inputs) {
    if (!in.defined() || !in.requires_grad()) continue;
    ASSERT_EQ(in.dtype(), DType::F64) << "gradcheck inputs must be f64";
    in.impl().grad.reset();
  }
  Tensor out = op(inputs);
  ASSERT_TRUE(out.requires_grad()) << "op output does not require a gradient";
  const Tensor weights = random_f64(out.shape(), 12345, -1.0, 1.0);
  backward(out, weights.to(out.dtype()));

  NoGradGuard no_grad;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& in = inputs[k];
    if (!in.defined() || !in.requires_grad()) continue;
    const Tensor analytic = in.grad();
    ASSERT_TRUE(analytic.defined()) << "input " << k << " got no gradient";
    ASSERT_EQ(analytic.shape(), in.shape());
    const auto a = analytic.to_doubles();
    double* x = in.data<double>();
    int failures = 0;
    for (int64_t i = 0; i < in.numel() && failures < 5; ++i) {
      const double saved = x[i];
      x[i] = saved + opt.eps;
      const double up = weighted_sum(op(inputs), weights);
      x[i] = saved - opt.eps;
      const double down = weighted_sum(op(inputs), weights);
      x[i] = saved;
      const double numeric = (up - down) / (2 * opt.eps);
      const double tol = opt.atol + opt.rtol * std::max(std::abs(numeric), std::abs(a[size_t(i)]));
      if (std::abs(numeric - a[size_t(i)]) > tol) {
        ++failures;
        ADD_FAILURE() << "input " << k << " element " << i << ": analytic " << a[size_t(i)] << " vs numeric "
                      << numeric;
      }
    }
  }
}

}  // namespace hone::testing
