#include "hone/autograd/backward.h"

#include <unordered_map>
#include <vector>

#include "hone/autograd/grad_mode.h"
#include "hone/autograd/node.h"
#include "hone/tensor/kernels_elementwise.h"

namespace hone {

namespace {

// dst += src, allocating dst on first use. Shapes must agree: a mismatch is a bug in an op's
// backward rule, reported with the op's name.
void accumulate(Tensor& dst, Tensor src, const std::string& where) {
  if (!dst.defined()) {
    // Later contributions are added into dst in place, so dst must own its memory: take src as
    // it is when nothing else can see it (the usual case), else copy it.
    const bool sole_owner = src.impl_ptr().use_count() == 1 && src.impl().storage.use_count() == 1;
    dst = sole_owner ? std::move(src) : src.clone();
    return;
  }
  HONE_CHECK(dst.shape() == src.shape() && dst.dtype() == src.dtype(), "internal: gradient for ", where, " is ",
             describe(src), " but ", describe(dst), " was expected");
  add_inplace(dst, src);
}

void accumulate_into_leaf(TensorImpl& leaf, Tensor grad) {
  HONE_CHECK(grad.shape() == leaf.shape, "internal: gradient ", grad.shape().str(), " for leaf ",
             leaf.shape.str(), (leaf.name.empty() ? "" : " '" + leaf.name + "'"));
  Tensor g(leaf.grad);
  accumulate(g, grad.dtype() == leaf.dtype ? std::move(grad) : grad.to(leaf.dtype), leaf.name);
  leaf.grad = g.impl_ptr();
}

}  // namespace

void backward(const Tensor& root, const Tensor& grad_in) {
  HONE_CHECK(root.requires_grad(), "backward: ", describe(root), " does not require a gradient");
  Tensor grad = grad_in;
  if (!grad.defined()) {
    HONE_CHECK(root.numel() == 1, "backward: ", describe(root), " has ", root.numel(),
               " elements; pass its gradient explicitly");
    grad = Tensor::full(root.shape(), 1.0, root.dtype());
  }
  HONE_CHECK(grad.shape() == root.shape(), "backward: gradient ", grad.shape().str(), " for ", describe(root));
  // Gradients of the backward pass itself are not recorded (no double backward).
  GradModeGuard no_record(false);

  if (root.is_leaf()) {
    accumulate_into_leaf(root.impl(), grad);
    return;
  }

  // Count, for every reachable node, how many reachable nodes feed gradient into it, so each
  // node runs once, after all of its consumers (Kahn's algorithm on the reversed graph).
  std::unordered_map<Node*, int> pending;
  std::vector<Node*> stack{root.impl().grad_fn.get()};
  pending[stack.back()] = 0;
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    HONE_CHECK(!node->released(), "backward through node '", node->name(),
               "' a second time: its graph was already freed by an earlier backward");
    for (const Edge& e : node->edges()) {
      if (!e.node) continue;
      auto [it, inserted] = pending.try_emplace(e.node.get(), 0);
      ++it->second;
      if (inserted) stack.push_back(e.node.get());
    }
  }

  std::unordered_map<Node*, Tensor> grads;
  // Keep the root's node alive while we walk (the caller may drop the root tensor later).
  std::shared_ptr<Node> root_node = root.impl().grad_fn;
  grads[root_node.get()] = grad;
  std::vector<std::shared_ptr<Node>> ready{root_node};
  while (!ready.empty()) {
    std::shared_ptr<Node> node = std::move(ready.back());
    ready.pop_back();
    Tensor node_grad = std::move(grads[node.get()]);
    grads.erase(node.get());
    // Copy the edges: apply_and_release clears the node's own list.
    const std::vector<Edge> edges = node->edges();
    std::vector<Tensor> input_grads = node->apply_and_release(node_grad);
    node_grad = Tensor();
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.needed()) continue;
      HONE_CHECK(input_grads[i].defined(), "internal: backward of '", node->name(), "' gave no gradient for input ", i);
      if (e.leaf) {
        accumulate_into_leaf(*e.leaf, std::move(input_grads[i]));
      } else {
        accumulate(grads[e.node.get()], std::move(input_grads[i]), node->name());
        if (--pending[e.node.get()] == 0) ready.push_back(e.node);
      }
    }
  }
}

}  // namespace hone
