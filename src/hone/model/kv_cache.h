// Keys and values of the tokens seen so far, per layer, so generation processes each new token
// once. Stored per batch row as [max_len, kv_heads, head_dim]: the first `length` rows of a
// row's buffer are a contiguous view, which is exactly what attention reads.
#pragma once

#include <cstdint>
#include <vector>

#include "hone/tensor/tensor.h"

namespace hone {

class KvCache {
 public:
  KvCache(int64_t num_layers, int64_t batch, int64_t max_len, int64_t kv_heads, int64_t head_dim);

  int64_t length() const { return length_; }
  int64_t capacity() const { return max_len_; }
  int64_t batch() const { return batch_; }

  // Appends k, v [B, T, Hkv, Dh] of `layer` at positions [length, length + T) and returns the
  // keys and values of all positions [0, length + T) as [B, length + T, Hkv, Dh].
  std::pair<Tensor, Tensor> append(int64_t layer, const Tensor& k, const Tensor& v);
  // Called once per forward after every layer appended T tokens.
  void advance(int64_t tokens);
  void clear() { length_ = 0; }
  size_t bytes() const;

 private:
  int64_t num_layers_, batch_, max_len_, kv_heads_, head_dim_;
  int64_t length_ = 0;
  std::vector<Tensor> keys_, values_;  // per layer: [B, max_len, Hkv, Dh]
};

}  // namespace hone
