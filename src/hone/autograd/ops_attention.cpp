#include "hone/autograd/ops_attention.h"

#include <cmath>

#include "hone/autograd/record.h"
#include "hone/tensor/dispatch.h"
#include "hone/tensor/kernels_attention.h"

namespace hone {

namespace {

kernels::AttentionDims check_attention_args(const Tensor& q, const Tensor& k, const Tensor& v,
                                            const AttentionOptions& o) {
  check_same_float_dtype("attention", {q, k, v});
  HONE_CHECK(q.rank() == 4 && k.rank() == 4 && v.rank() == 4, "attention: q ", describe(q), ", k ", describe(k),
             " and v ", describe(v), " must all be [batch, seq, heads, head_dim]");
  check_same_shape("attention (k and v)", k, v);
  const kernels::AttentionDims d{q.dim(0), q.dim(1), k.dim(1), q.dim(2), k.dim(2), q.dim(3)};
  HONE_CHECK(k.dim(0) == d.batch && k.dim(3) == d.head_dim, "attention: k ", describe(k),
             " does not match q ", describe(q), " in batch or head_dim");
  HONE_CHECK(d.kv_heads > 0 && d.q_heads % d.kv_heads == 0, "attention: q has ", d.q_heads,
             " heads, which is not a multiple of k/v's ", d.kv_heads, " heads");
  HONE_CHECK(d.kv_len > 0 && d.head_dim > 0, "attention: k ", describe(k), " has no keys or an empty head_dim");
  HONE_CHECK(!(o.causal && d.q_len > d.kv_len), "attention: causal attention needs q_len <= kv_len (queries are the ",
             "last q_len positions), got q ", describe(q), " and k ", describe(k));
  if (o.segment_ids.defined()) {
    const Tensor& s = o.segment_ids;
    HONE_CHECK(s.dtype() == DType::I32 && s.rank() == 2 && s.dim(0) == d.batch && s.dim(1) == d.kv_len,
               "attention: segment_ids ", describe(s), " must be i32 [", d.batch, ", ", d.kv_len, "]");
    HONE_CHECK(d.q_len <= d.kv_len, "attention: segment_ids need q_len <= kv_len, got q ", describe(q), " and k ",
               describe(k));
  }
  if (o.mask.defined()) {
    const Tensor& m = o.mask;
    const bool full = m.rank() == 3 && m.dim(0) == d.batch && m.dim(1) == d.q_len && m.dim(2) == d.kv_len;
    const bool shared = m.rank() == 2 && m.dim(0) == d.q_len && m.dim(1) == d.kv_len;
    HONE_CHECK(full || shared, "attention: mask ", describe(m), " must be [", d.batch, ", ", d.q_len, ", ", d.kv_len,
               "] or [", d.q_len, ", ", d.kv_len, "]");
    HONE_CHECK(m.dtype() == DType::I32 || !is_quantized(m.dtype()), "attention: mask ", describe(m),
               " must be i32 (nonzero = may attend) or floating point (additive)");
    HONE_CHECK(!m.requires_grad(), "attention: mask ", describe(m), " requires a gradient, but masks are constants");
  }
  HONE_CHECK(!o.scale || std::isfinite(*o.scale), "attention: scale must be finite");
  HONE_CHECK(o.window >= 0, "attention: window must be positive (or 0 for none), got ", o.window);
  return d;
}

// The kernel's view of the masks; the additive mask is converted to the compute dtype first.
struct MaskStorage {
  Tensor bias;
  template <class T>
  kernels::AttentionMasks<T> view(const AttentionOptions& o) const {
    kernels::AttentionMasks<T> m;
    m.causal = o.causal;
    m.window = o.window;
    if (o.segment_ids.defined()) m.segment_ids = o.segment_ids.data<int32_t>();
    if (o.mask.defined()) {
      m.per_batch = o.mask.rank() == 3;
      if (o.mask.dtype() == DType::I32) m.keep = o.mask.data<int32_t>();
      else m.bias = bias.data<T>();
    }
    return m;
  }
};

}  // namespace

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOptions& options) {
  const kernels::AttentionDims d = check_attention_args(q, k, v, options);
  const double scale = options.scale.value_or(1.0 / std::sqrt(double(d.head_dim)));
  MaskStorage masks;
  if (options.mask.defined() && options.mask.dtype() != DType::I32) masks.bias = options.mask.to(q.dtype());
  Tensor out = Tensor::empty(q.shape(), q.dtype());
  Tensor lse = Tensor::empty(Shape{d.batch, d.q_heads, d.q_len}, q.dtype());
  HONE_DISPATCH_FLOAT(q.dtype(), T, "attention", [&] {
    kernels::attention_forward<T>(q.data<T>(), k.data<T>(), v.data<T>(), out.data<T>(), lse.data<T>(), d,
                                  masks.view<T>(options), T(scale));
  });
  if (!any_requires_grad({q, k, v})) return out;
  return record(out, "attention", {q, k, v},
                [q, k, v, lse, d, options, masks, scale](const Tensor& g, const std::vector<bool>& needs) {
                  std::vector<Tensor> grads(3);
                  for (size_t i = 0; i < 3; ++i)
                    if (needs[i]) grads[i] = Tensor::empty((i == 0 ? q : k).shape(), q.dtype());
                  HONE_DISPATCH_FLOAT(q.dtype(), T, "attention backward", [&] {
                    auto ptr = [&](size_t i) { return needs[i] ? grads[i].data<T>() : nullptr; };
                    kernels::attention_backward<T>(q.data<T>(), k.data<T>(), v.data<T>(), lse.data<T>(), g.data<T>(),
                                                   ptr(0), ptr(1), ptr(2), d, masks.view<T>(options), T(scale));
                  });
                  return grads;
                });
}

}  // namespace hone
