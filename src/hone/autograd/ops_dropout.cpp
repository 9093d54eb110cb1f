#include "hone/autograd/ops_dropout.h"

#include "hone/autograd/record.h"
#include "hone/tensor/dispatch.h"

namespace hone {

namespace {
template <class T>
void apply_mask(const T* in, T* out, int64_t n, double p, const Rng& rng, uint64_t offset) {
  const T keep_scale = T(1.0 / (1.0 - p));
  const float threshold = float(p);
#pragma omp parallel for schedule(static) if (n > (1 << 14))
  for (int64_t i = 0; i < n; ++i) out[i] = rng.uniform(offset + uint64_t(i)) < threshold ? T(0) : in[i] * keep_scale;
}
}  // namespace

Tensor dropout(const Tensor& x, double p, const Rng& rng, uint64_t offset) {
  HONE_CHECK(p >= 0 && p < 1, "dropout probability must be in [0, 1), got ", p);
  if (p == 0) return x;
  check_same_float_dtype("dropout", {x});
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  HONE_DISPATCH_FLOAT(x.dtype(), T, "dropout",
                      [&] { apply_mask<T>(x.data<T>(), out.data<T>(), x.numel(), p, rng, offset); });
  if (!any_requires_grad({x})) return out;
  return record(out, "dropout", {x}, [p, rng, offset](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(g.shape(), g.dtype());
    HONE_DISPATCH_FLOAT(g.dtype(), T, "dropout backward",
                        [&] { apply_mask<T>(g.data<T>(), dx.data<T>(), g.numel(), p, rng, offset); });
    return std::vector<Tensor>{dx};
  });
}

}  // namespace hone
