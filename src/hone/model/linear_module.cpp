#include "hone/model/linear_module.h"

#include "hone/autograd/ops_linalg.h"

namespace hone {

std::string LinearModule::leaf_name() const {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

Tensor LinearModule::forward(const Tensor& x) const {
  Tensor y = linear(x, weight, bias);
  for (const auto& adapter : adapters) y = adapter->forward(*this, x, y);
  return y;
}

}  // namespace hone
