// Differentiable scaled dot-product attention with grouped-query heads, causal masking (KV-cache
// aware), per-token segment ids for packed sequences and an optional explicit mask.
#pragma once

#include <optional>

#include "hone/tensor/tensor.h"

namespace hone {

struct AttentionOptions {
  // Query i (at absolute position S - T + i) sees keys 0 .. S - T + i. Needs T <= S.
  bool causal = true;
  // Multiplies q k^T; 1 / sqrt(head_dim) when unset.
  std::optional<double> scale;
  // I32 [B, S]: a packed batch's segment (example) index per token; a query sees only keys of
  // its own segment (the query at i takes the id of position S - T + i). Combined with causal
  // this is the block-diagonal causal mask of packed training, described in B * S integers.
  Tensor segment_ids;
  // [B, T, S] or [T, S] (shared by the batch). I32: nonzero = may attend. Floating point
  // (any float dtype): added to the scores, -inf blocks. Never receives a gradient.
  Tensor mask;
  // Sliding-window attention when > 0: the query at absolute position p (S - T + i) sees only
  // keys j with p - j < window, as transformers' sliding_window masks (Mistral, Gemma 3).
  int64_t window = 0;
};

// q [B, T, Hq, Dh], k and v [B, S, Hkv, Dh] with Hq a multiple of Hkv (query head h reads kv
// head h / (Hq / Hkv), as transformers' repeat_kv) -> [B, T, Hq, Dh]. A query that every mask
// hides outputs zeros. Backward saves only q, k, v and one log-sum-exp per query row.
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOptions& options = {});

}  // namespace hone
