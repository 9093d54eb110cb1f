// How an op joins the graph: compute the output without autograd, then call record() with the
// inputs and the backward rule. If grad mode is off or no input needs a gradient, nothing is
// recorded and the closure (with whatever it saved) is dropped immediately.
#pragma once

#include <initializer_list>
#include <string>

#include "hone/autograd/node.h"

namespace hone {

// True when grad mode is on and at least one input requires a gradient.
bool any_requires_grad(std::initializer_list<Tensor> inputs);

// Attaches a node named `name` to `output` (and returns it). Inputs may be undefined tensors
// (optional arguments such as a missing bias); they never receive a gradient.
Tensor record(Tensor output, std::string name, std::vector<Tensor> inputs, BackwardFn backward);

}  // namespace hone
