// A linear layer of the model, named by its Hugging Face path, with hook points for adapters.
// PEFT methods (LoRA, DoRA, IA3, ...) attach to these by name and add their contribution in
// forward; the base weight stays frozen (and may stay in bf16/f16) unless full fine-tuning.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hone/model/forward_context.h"
#include "hone/tensor/tensor.h"

namespace hone {

class LinearModule;

// Something attached to a linear layer that changes its output. `base_out` is x @ W^T + b; `ctx`
// is the forward pass's context (training or not, the seed and micro-step dropout draws from).
class LinearAdapter {
 public:
  virtual ~LinearAdapter() = default;
  virtual Tensor forward(const LinearModule& base, const Tensor& x, const Tensor& base_out,
                         const ForwardContext& ctx) const = 0;
  // The layer's whole output (x @ W^T + b with this adapter's change) computed in one step, for
  // an adapter that can do that more cheaply than adding to a separate base output. Called only
  // when this is the layer's sole adapter; an undefined result means "use forward()".
  virtual Tensor forward_whole(const LinearModule& /*base*/, const Tensor& /*x*/, const ForwardContext& /*ctx*/) const {
    return Tensor();
  }
};

class LinearModule {
 public:
  std::string name;  // "model.layers.3.self_attn.q_proj"
  Tensor weight;     // [out_features, in_features]
  Tensor bias;       // [out_features] or undefined
  std::vector<std::shared_ptr<LinearAdapter>> adapters;

  int64_t in_features() const { return weight.dim(1); }
  int64_t out_features() const { return weight.dim(0); }
  // The leaf name PEFT's target_modules matches ("q_proj").
  std::string leaf_name() const;

  // x @ W^T + b with every adapter's change; `ctx` is handed to the adapters.
  Tensor forward(const Tensor& x, const ForwardContext& ctx) const;
};

}  // namespace hone
