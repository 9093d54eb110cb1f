#include "hone/optim/clip.h"

#include <cmath>

namespace hone {

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  double sum_sq = 0;
  for (const Tensor& p : params) {
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    const float* d = g.data<float>();
    const int64_t n = g.numel();
    double s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static) if (n > (1 << 15))
    for (int64_t i = 0; i < n; ++i) s += double(d[i]) * double(d[i]);
    sum_sq += s;
  }
  const double norm = std::sqrt(sum_sq);
  if (max_norm > 0 && std::isfinite(norm)) {
    const double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0) {
      const float c = float(coef);
      for (const Tensor& p : params) {
        const Tensor g = p.grad();
        if (!g.defined()) continue;
        float* d = g.data<float>();
        const int64_t n = g.numel();
#pragma omp parallel for schedule(static) if (n > (1 << 15))
        for (int64_t i = 0; i < n; ++i) d[i] *= c;
      }
    }
  }
  return norm;
}

}  // namespace hone
