#include "hone/autograd/backward.h"

#include <unordered_map>
#include <vector>

#include "hone/autograd/grad_mode.h"
#include "hone/autograd/node.h"
#include "hone/tensor/kernels_elementwise.h"

namespace hone {

namespace {

bool sole_owner(const Tensor& t) { return t.impl_ptr().use_count() == 1 && t.impl().storage.use_count() == 1; }

void check_same_gradient_shape(const Tensor& dst, const Tensor& src, const std::string& where) {
  HONE_CHECK(dst.shape() == src.shape() && dst.dtype() == src.dtype(), "internal: gradient for ", where, " is ",
             describe(src), " but ", describe(dst), " was expected");
}

// The gradient waiting for a node: dst += src, taking src as it is on first use. Gradients
// passed between nodes often share memory (an add hands the same gradient to both inputs, a
// reshape hands a view of it), so they are copy-on-write: summed in place only into a buffer
// nothing else sees, else into whichever side is private, else into a new buffer. That spares
// a full-size copy for every residual add in backward.
void accumulate_node_grad(Tensor& dst, Tensor src, const std::string& where) {
  if (!dst.defined()) {
    dst = std::move(src);
    return;
  }
  check_same_gradient_shape(dst, src, where);
  if (sole_owner(dst)) {
    add_inplace(dst, src);
  } else if (sole_owner(src)) {
    add_inplace(src, dst);
    dst = std::move(src);
  } else {
    Tensor sum = dst.clone();
    add_inplace(sum, src);
    dst = std::move(sum);
  }
}

// A leaf's .grad: it outlives backward and optimizers and clipping update it in place, so it
// must own its memory: src is taken as it is only when nothing else can see it, else copied.
// Later contributions are added in place.
void accumulate(Tensor& dst, Tensor src, const std::string& where) {
  if (!dst.defined()) {
    dst = sole_owner(src) ? std::move(src) : src.clone();
    return;
  }
  check_same_gradient_shape(dst, src, where);
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
        accumulate_node_grad(grads[e.node.get()], std::move(input_grads[i]), node->name());
        if (--pending[e.node.get()] == 0) ready.push_back(e.node);
      }
    }
  }
}

}  // namespace hone
