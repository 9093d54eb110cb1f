#include "hone/autograd/ops_concat.h"

#include <cstring>

#include "hone/autograd/record.h"
#include "hone/util/error.h"

namespace hone {

Tensor prepend_along_seq(const Tensor& prefix, const Tensor& x) {
  HONE_CHECK(prefix.dtype() == x.dtype() && (x.dtype() == DType::F32 || x.dtype() == DType::F64) && x.rank() >= 2 && prefix.rank() == x.rank(), "prepend_along_seq: ",
             describe(prefix), " and ", describe(x), " must have the same float dtype (f32 or f64) and rank (>= 2)");
  const int64_t B = x.dim(0), P = prefix.dim(1), S = x.dim(1);
  HONE_CHECK(prefix.dim(0) == 1 || prefix.dim(0) == B, "prepend_along_seq: prefix batch ", prefix.dim(0),
             " must be 1 or ", B);
  for (int d = 2; d < x.rank(); ++d)
    HONE_CHECK(prefix.dim(d) == x.dim(d), "prepend_along_seq: ", describe(prefix), " and ", describe(x),
               " differ past dimension 1");
  std::vector<int64_t> dims(size_t(x.rank()));
  for (int d = 0; d < x.rank(); ++d) dims[size_t(d)] = x.dim(d);
  dims[1] = P + S;
  Tensor out = Tensor::empty(Shape(dims.begin(), dims.end()), x.dtype());
  const size_t row = dtype_bytes(x.dtype(), x.numel() / (B * S));  // bytes per position
  const bool shared = prefix.dim(0) == 1 && B > 1;
  auto* o = static_cast<char*>(out.raw());
  const auto* p = static_cast<const char*>(prefix.raw());
  const auto* s = static_cast<const char*>(x.raw());
  for (int64_t b = 0; b < B; ++b) {
    std::memcpy(o + size_t(b * (P + S)) * row, p + size_t(shared ? 0 : b * P) * row, size_t(P) * row);
    std::memcpy(o + size_t(b * (P + S) + P) * row, s + size_t(b * S) * row, size_t(S) * row);
  }
  if (!any_requires_grad({prefix, x})) return out;
  return record(out, "prepend_along_seq", {prefix, x},
                [prefix_shape = prefix.shape(), x_shape = x.shape(), B, P, S, row, shared](
                    const Tensor& g, const std::vector<bool>& needs) {
                  std::vector<Tensor> grads(2);
                  const auto* gp = static_cast<const char*>(g.raw());
                  if (needs[0]) {
                    grads[0] = Tensor::zeros(prefix_shape, g.dtype());
                    auto* d = static_cast<char*>(grads[0].raw());
                    for (int64_t b = 0; b < B; ++b) {
                      if (!shared) {
                        std::memcpy(d + size_t(b * P) * row, gp + size_t(b * (P + S)) * row, size_t(P) * row);
                        continue;
                      }
                      // A shared prefix collects every row's gradient.
                      const int64_t n = prefix_shape.numel();
                      if (g.dtype() == DType::F64) {
                        auto* acc = reinterpret_cast<double*>(d);
                        const auto* src = reinterpret_cast<const double*>(gp + size_t(b * (P + S)) * row);
                        for (int64_t i = 0; i < n; ++i) acc[i] += src[i];
                      } else {
                        auto* acc = reinterpret_cast<float*>(d);
                        const auto* src = reinterpret_cast<const float*>(gp + size_t(b * (P + S)) * row);
                        for (int64_t i = 0; i < n; ++i) acc[i] += src[i];
                      }
                    }
                  }
                  if (needs[1]) {
                    grads[1] = Tensor::empty(x_shape, g.dtype());
                    auto* d = static_cast<char*>(grads[1].raw());
                    for (int64_t b = 0; b < B; ++b)
                      std::memcpy(d + size_t(b * S) * row, gp + size_t(b * (P + S) + P) * row, size_t(S) * row);
                  }
                  return grads;
                });
}

}  // namespace hone
