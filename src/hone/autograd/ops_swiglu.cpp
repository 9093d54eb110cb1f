#include "hone/autograd/ops_swiglu.h"

#include "hone/autograd/record.h"
#include "hone/tensor/dispatch.h"
#include "hone/tensor/kernels_swiglu.h"

namespace hone {

Tensor swiglu(const Tensor& gate, const Tensor& up) {
  check_same_float_dtype("swiglu", {gate, up});
  check_same_shape("swiglu", gate, up);
  Tensor out = Tensor::empty(gate.shape(), gate.dtype());
  HONE_DISPATCH_FLOAT(gate.dtype(), T, "swiglu",
                      [&] { kernels::swiglu<T>(gate.data<T>(), up.data<T>(), out.data<T>(), gate.numel()); });
  if (!any_requires_grad({gate, up})) return out;
  // Detached: the backward needs the values only, not the graphs that made them.
  return record(out, "swiglu", {gate, up},
                [gate = gate.detach(), up = up.detach()](const Tensor& g, const std::vector<bool>& needs) {
                  std::vector<Tensor> grads(2);
                  if (needs[0]) grads[0] = Tensor::empty(gate.shape(), gate.dtype());
                  if (needs[1]) grads[1] = Tensor::empty(up.shape(), up.dtype());
                  HONE_DISPATCH_FLOAT(gate.dtype(), T, "swiglu backward", [&] {
                    kernels::swiglu_backward<T>(gate.data<T>(), up.data<T>(), g.data<T>(),
                                                needs[0] ? grads[0].data<T>() : nullptr,
                                                needs[1] ? grads[1].data<T>() : nullptr, gate.numel());
                  });
                  return grads;
                });
}

}  // namespace hone
