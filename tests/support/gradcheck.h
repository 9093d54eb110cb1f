// Finite-difference gradient checks in double precision: every differentiable op runs on f64
// inputs, its analytic gradient (from backward) is compared with central differences of
// L = sum(output * R) for a fixed random R.
#pragma once

#include <functional>
#include <vector>

#include "hone/tensor/tensor.h"

namespace hone::testing {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-7;
  double rtol = 1e-5;
};

using OpUnderTest = std::function<Tensor(const std::vector<Tensor>&)>;

// Random f64 tensor with values in [lo, hi), reproducible from seed.
Tensor random_f64(const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0);
// Same in f32.
Tensor random_f32(const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0);

// Checks d/d(input) for every input with requires_grad set; reports mismatches through
// GoogleTest (EXPECT-style, naming input and element).
void expect_gradients_match(const OpUnderTest& op, const std::vector<Tensor>& inputs,
                            const GradcheckOptions& options = {});

}  // namespace hone::testing
