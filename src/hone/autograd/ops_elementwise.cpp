#include "hone/autograd/ops_elementwise.h"

#include "hone/autograd/record.h"
#include "hone/tensor/dispatch.h"
#include "hone/tensor/kernels_elementwise.h"

namespace hone {

namespace {

// Number of elements of b that repeat across a, after checking b's shape is a trailing part
// of a's (or b has one element).
int64_t broadcast_size(const char* op, const Tensor& a, const Tensor& b) {
  check_same_float_dtype(op, {a, b});
  if (b.numel() == 1 && a.numel() != 1) return 1;
  const Shape& sa = a.shape();
  const Shape& sb = b.shape();
  bool trailing = sb.rank() <= sa.rank();
  for (int i = 1; trailing && i <= sb.rank(); ++i) trailing = sb[-i] == sa[-i];
  HONE_CHECK(trailing, op, ": cannot broadcast ", describe(b), " onto ", describe(a),
             " (b must match a's trailing dimensions)");
  return b.numel();
}

// Gradient for b of a broadcast op: g itself, or g summed over the repeated leading part.
// Takes b's shape, not b: a backward rule that kept b only for its shape would hold b's whole
// buffer alive until backward (for a residual add or a LoRA branch, a full activation).
Tensor reduce_to(const Tensor& g, const Shape& b_shape, int64_t nb) {
  if (nb == g.numel()) return g.view(b_shape);
  Tensor out = Tensor::empty(b_shape, g.dtype());
  HONE_DISPATCH_FLOAT(g.dtype(), T, "broadcast backward",
                      [&] { kernels::sum_rows<T>(g.data<T>(), out.data<T>(), g.numel(), nb); });
  return out;
}

template <class Kernel>
Tensor binary_forward(const char* op, const Tensor& a, const Tensor& b, int64_t nb, Kernel kernel) {
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  HONE_DISPATCH_FLOAT(a.dtype(), T, op, [&] { kernel(a.data<T>(), b.data<T>(), out.data<T>(), a.numel(), nb); });
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  const int64_t nb = broadcast_size("add", a, b);
  Tensor out = binary_forward("add", a, b, nb, [](auto* x, auto* y, auto* o, int64_t n, int64_t m) { kernels::add(x, y, o, n, m); });
  if (!any_requires_grad({a, b})) return out;
  return record(out, "add", {a, b}, [b_shape = b.shape(), nb](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{needs[0] ? g : Tensor(), needs[1] ? reduce_to(g, b_shape, nb) : Tensor()};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  const int64_t nb = broadcast_size("sub", a, b);
  Tensor out = binary_forward("sub", a, b, nb, [](auto* x, auto* y, auto* o, int64_t n, int64_t m) { kernels::sub(x, y, o, n, m); });
  if (!any_requires_grad({a, b})) return out;
  return record(out, "sub", {a, b}, [b_shape = b.shape(), nb](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{needs[0] ? g : Tensor(), needs[1] ? scale(reduce_to(g, b_shape, nb), -1.0) : Tensor()};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  const int64_t nb = broadcast_size("mul", a, b);
  Tensor out = binary_forward("mul", a, b, nb, [](auto* x, auto* y, auto* o, int64_t n, int64_t m) { kernels::mul(x, y, o, n, m); });
  if (!any_requires_grad({a, b})) return out;
  // da needs b and db needs a: keep each factor only when the other one's gradient will use it
  // (a trainable factor times a frozen one keeps the frozen one only).
  const Tensor saved_a = any_requires_grad({b}) ? a.detach() : Tensor();
  const Tensor saved_b = any_requires_grad({a}) ? b.detach() : Tensor();
  return record(out, "mul", {a, b}, [saved_a, saved_b, b_shape = b.shape(), nb](const Tensor& g, const std::vector<bool>& needs) {
    std::vector<Tensor> grads(2);
    if (needs[0]) grads[0] = binary_forward("mul backward", g, saved_b, nb, [](auto* x, auto* y, auto* o, int64_t n, int64_t m) { kernels::mul(x, y, o, n, m); });
    if (needs[1]) {
      Tensor ga = binary_forward("mul backward", g, saved_a, saved_a.numel(), [](auto* x, auto* y, auto* o, int64_t n, int64_t m) { kernels::mul(x, y, o, n, m); });
      grads[1] = reduce_to(ga, b_shape, nb);
    }
    return grads;
  });
}

Tensor scale(const Tensor& a, double s) {
  check_same_float_dtype("scale", {a});
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  HONE_DISPATCH_FLOAT(a.dtype(), T, "scale", [&] { kernels::scale<T>(a.data<T>(), T(s), out.data<T>(), a.numel()); });
  if (!any_requires_grad({a})) return out;
  return record(out, "scale", {a}, [s](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{scale(g, s)};
  });
}

Tensor exp(const Tensor& a) {
  check_same_float_dtype("exp", {a});
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  HONE_DISPATCH_FLOAT(a.dtype(), T, "exp", [&] { kernels::exp<T>(a.data<T>(), out.data<T>(), a.numel()); });
  if (!any_requires_grad({a})) return out;
  // Save the output through a detached handle: the node must not hold its own output's graph
  // link (a cycle that would keep the whole graph alive when backward never runs).
  return record(out, "exp", {a}, [y = out.detach()](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{mul(g, y)};
  });
}

Tensor silu(const Tensor& a) {
  check_same_float_dtype("silu", {a});
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  HONE_DISPATCH_FLOAT(a.dtype(), T, "silu", [&] { kernels::silu<T>(a.data<T>(), out.data<T>(), a.numel()); });
  if (!any_requires_grad({a})) return out;
  return record(out, "silu", {a}, [a](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(a.shape(), a.dtype());
    HONE_DISPATCH_FLOAT(a.dtype(), T, "silu backward",
                        [&] { kernels::silu_backward<T>(a.data<T>(), g.data<T>(), dx.data<T>(), a.numel()); });
    return std::vector<Tensor>{dx};
  });
}

Tensor gelu_tanh(const Tensor& a) {
  check_same_float_dtype("gelu_tanh", {a});
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  HONE_DISPATCH_FLOAT(a.dtype(), T, "gelu_tanh", [&] { kernels::gelu_tanh<T>(a.data<T>(), out.data<T>(), a.numel()); });
  if (!any_requires_grad({a})) return out;
  return record(out, "gelu_tanh", {a}, [a](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(a.shape(), a.dtype());
    HONE_DISPATCH_FLOAT(a.dtype(), T, "gelu_tanh backward",
                        [&] { kernels::gelu_tanh_backward<T>(a.data<T>(), g.data<T>(), dx.data<T>(), a.numel()); });
    return std::vector<Tensor>{dx};
  });
}

Tensor reshape(const Tensor& a, const Shape& shape) {
  Tensor out = a.detach().view(shape);
  if (!any_requires_grad({a})) return out;
  const Shape original = a.shape();
  return record(out, "reshape", {a}, [original](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{g.view(original)};
  });
}

}  // namespace hone
