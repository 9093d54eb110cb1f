#include "hone/model/linear_module.h"

#include "hone/autograd/ops_linalg.h"

namespace hone {

std::string LinearModule::leaf_name() const {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

Tensor LinearModule::forward(const Tensor& x, const ForwardContext& ctx) const {
  // A lone adapter may fuse itself with the base product (LoRA: one op instead of five); stacked
  // adapters each add to the previous output.
  if (adapters.size() == 1) {
    Tensor y = adapters.front()->forward_whole(*this, x, ctx);
    if (y.defined()) return y;
  }
  Tensor y = linear(x, weight, bias);
  for (const auto& adapter : adapters) y = adapter->forward(*this, x, y, ctx);
  return y;
}

}  // namespace hone
