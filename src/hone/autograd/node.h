// The autograd graph: each differentiable op that sees an input requiring a gradient records a
// Node on its output. A Node knows where the gradient of each input goes (an Edge) and how to
// compute those gradients from the output's gradient (its backward function, a closure holding
// exactly the tensors the rule needs). Nodes hold no reference to their output, so the graph is
// freed as soon as the last tensor that reaches it is dropped, or right after backward runs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hone/tensor/tensor.h"

namespace hone {

// Where one input's gradient goes: into another node (non-leaf input), into a leaf tensor's
// .grad (a trainable parameter or an input the caller asked gradients for), or nowhere.
struct Edge {
  std::shared_ptr<Node> node;
  std::shared_ptr<TensorImpl> leaf;
  bool needed() const { return node != nullptr || leaf != nullptr; }
};

// needs[i]: whether input i wants a gradient. A backward function returns one tensor per input,
// leaving the ones that are not needed undefined.
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output, const std::vector<bool>& needs)>;

class Node {
 public:
  Node(std::string name, std::vector<Edge> edges, BackwardFn backward)
      : name_(std::move(name)), edges_(std::move(edges)), backward_(std::move(backward)) {}

  const std::string& name() const { return name_; }
  const std::vector<Edge>& edges() const { return edges_; }
  bool released() const { return !backward_; }

  // Runs the backward rule; then drops the closure and edges so saved activations are freed.
  std::vector<Tensor> apply_and_release(const Tensor& grad_output);

 private:
  std::string name_;
  std::vector<Edge> edges_;
  BackwardFn backward_;
};

}  // namespace hone
