#include "hone/autograd/record.h"

#include "hone/autograd/grad_mode.h"

namespace hone {

bool any_requires_grad(std::initializer_list<Tensor> inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Tensor record(Tensor output, std::string name, std::vector<Tensor> inputs, BackwardFn backward) {
  if (!grad_enabled()) return output;
  std::vector<Edge> edges(inputs.size());
  bool any = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& in = inputs[i];
    if (!in.defined()) continue;
    TensorImpl& impl = in.impl();
    if (impl.grad_fn) {
      edges[i].node = impl.grad_fn;
      any = true;
    } else if (impl.requires_grad) {
      edges[i].leaf = in.impl_ptr();
      any = true;
    }
  }
  if (!any) return output;
  HONE_CHECK(output.impl().grad_fn == nullptr && !output.impl().requires_grad,
             "internal: op '", name, "' returned a tensor that is already in a graph");
  output.impl().grad_fn = std::make_shared<Node>(std::move(name), std::move(edges), std::move(backward));
  return output;
}

}  // namespace hone
