// Hook points of the decoder besides LinearModule, where a method attaches to the block itself:
// the embedding output (prompt tuning), per-layer attention key/value prefixes (prefix tuning,
// also during KV-cache generation), the attention and MLP sub-layer outputs (bottleneck and
// parallel adapters; a mixture-of-LoRA-experts router reads the MLP's input there and adds its
// experts' mix), and every norm's output (SSF, LN-tuning variants). A method derives from
// BlockHook, overrides the points it uses and attaches with DecoderModel::add_hook. With no
// hook attached the forward pass is exactly the plain one.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "hone/model/forward_context.h"
#include "hone/tensor/tensor.h"

namespace hone {

class BlockHook {
 public:
  virtual ~BlockHook() = default;
  // The token embeddings [B, T, D] the first layer receives.
  virtual Tensor embedding_output(const Tensor& h, const ForwardContext& /*ctx*/) { return h; }
  // Keys and values put before layer `layer`'s own (after RoPE and the KV cache), each
  // [1 or B, P, num_kv_heads, head_dim]; undefined tensors for none. Every query sees them all.
  virtual std::pair<Tensor, Tensor> kv_prefix(int64_t /*layer*/, const ForwardContext& /*ctx*/) { return {}; }
  // Layer `layer`'s attention output [B, T, D] (after o_proj, before the residual add); `input`
  // is what the sub-layer received (the normed residual stream), as a parallel adapter needs.
  virtual Tensor attention_output(int64_t /*layer*/, const Tensor& /*input*/, const Tensor& out,
                                  const ForwardContext& /*ctx*/) {
    return out;
  }
  // Layer `layer`'s MLP output [B, T, D] (after down_proj, before the residual add); `input` as
  // above (a router computes its expert weights from it).
  virtual Tensor mlp_output(int64_t /*layer*/, const Tensor& /*input*/, const Tensor& out, const ForwardContext& /*ctx*/) {
    return out;
  }
  // The output of the norm whose weight is `weight` (its name says which: "model.norm.weight").
  virtual Tensor norm_output(const Tensor& /*weight*/, const Tensor& out, const ForwardContext& /*ctx*/) { return out; }
};

}  // namespace hone
