// Scaled dot-product attention kernels on the projection layout: q [B, T, Hq, Dh], k and v
// [B, S, Hkv, Dh], out [B, T, Hq, Dh]. Grouped-query heads read their kv head in place (no
// repeat_kv copy); products go through CBLAS with row strides. Work goes in chunks of query rows
// (under causality a chunk skips the keys none of its rows sees); backward keeps only the
// per-row log-sum-exp from forward and recomputes the probabilities chunk by chunk.
#pragma once

#include <cstdint>

namespace hone {
namespace kernels {

struct AttentionDims {
  int64_t batch, q_len, kv_len, q_heads, kv_heads, head_dim;
};

// Which keys each query may see, and additive score biases; every part is optional and they
// combine (a key is visible only if every part allows it). Query i sits at absolute position
// kv_len - q_len + i, so causality holds with a KV cache holding earlier tokens.
template <class T>
struct AttentionMasks {
  bool causal = false;
  const int32_t* segment_ids = nullptr;  // [batch, kv_len]: keys visible only within the query's segment
  const int32_t* keep = nullptr;         // [batch or 1, q_len, kv_len]: nonzero = may attend
  const T* bias = nullptr;               // [batch or 1, q_len, kv_len]: added to scores (-inf blocks)
  bool per_batch = false;                // keep / bias have a leading batch dimension
  // Sliding window (> 0): query at absolute position p sees only keys j with p - j < window
  // (transformers' sliding_window; with causal, the last `window` positions up to p).
  int64_t window = 0;
};

// out = softmax(scale * q k^T + masks) v per head. lse [batch, q_heads, q_len] receives each
// row's log-sum-exp (-inf for a row that sees no key; its output is zero).
template <class T>
void attention_forward(const T* q, const T* k, const T* v, T* out, T* lse, const AttentionDims& dims,
                       const AttentionMasks<T>& masks, T scale);

// Gradients from dout, using lse from forward. dq, dk, dv may each be null when not wanted;
// those given are overwritten.
template <class T>
void attention_backward(const T* q, const T* k, const T* v, const T* lse, const T* dout, T* dq, T* dk, T* dv,
                        const AttentionDims& dims, const AttentionMasks<T>& masks, T scale);

}  // namespace kernels
}  // namespace hone
