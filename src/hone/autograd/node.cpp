#include "hone/autograd/node.h"

namespace hone {

std::vector<Tensor> Node::apply_and_release(const Tensor& grad_output) {
  HONE_CHECK(backward_, "backward through node '", name_,
             "' a second time: its graph was already freed by an earlier backward");
  std::vector<bool> needs(edges_.size());
  for (size_t i = 0; i < edges_.size(); ++i) needs[i] = edges_[i].needed();
  std::vector<Tensor> grads = backward_(grad_output, needs);
  HONE_CHECK(grads.size() == edges_.size(), "internal: backward of '", name_, "' returned ", grads.size(),
             " gradients for ", edges_.size(), " inputs");
  backward_ = nullptr;
  return grads;
}

}  // namespace hone
