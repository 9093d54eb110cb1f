#include "hone/model/kv_cache.h"

#include <cstring>

namespace hone {

KvCache::KvCache(int64_t num_layers, int64_t batch, int64_t max_len, int64_t kv_heads, int64_t head_dim)
    : num_layers_(num_layers), batch_(batch), max_len_(max_len), kv_heads_(kv_heads), head_dim_(head_dim) {
  // Uninitialised: only positions [0, length) are ever read, and each is written by append()
  // first. Not zeroing the whole capacity up front saves a pass over it (and, for a large
  // max_new_tokens, committing memory that a short answer never touches).
  for (int64_t l = 0; l < num_layers; ++l) {
    keys_.push_back(Tensor::empty({batch, max_len, kv_heads, head_dim}));
    values_.push_back(Tensor::empty({batch, max_len, kv_heads, head_dim}));
  }
}

std::pair<Tensor, Tensor> KvCache::append(int64_t layer, const Tensor& k, const Tensor& v) {
  HONE_CHECK(layer >= 0 && layer < num_layers_, "kv cache: layer ", layer, " out of range");
  const int64_t T = k.dim(1);
  HONE_CHECK(k.shape() == (Shape{batch_, T, kv_heads_, head_dim_}) && v.shape() == k.shape(),
             "kv cache: expected [", batch_, ", T, ", kv_heads_, ", ", head_dim_, "], got ", describe(k));
  HONE_CHECK(length_ + T <= max_len_, "kv cache: ", length_ + T, " tokens exceed its capacity of ", max_len_,
             " (raise max_new_tokens' budget or shorten the prompt)");
  const int64_t row = kv_heads_ * head_dim_;
  const int64_t total = length_ + T;
  for (auto [src, cache] : {std::pair{&k, &keys_[size_t(layer)]}, std::pair{&v, &values_[size_t(layer)]}}) {
    const Tensor s = src->to(DType::F32);
    for (int64_t b = 0; b < batch_; ++b)
      std::memcpy(cache->data<float>() + (b * max_len_ + length_) * row, s.data<float>() + b * T * row,
                  size_t(T * row) * sizeof(float));
  }
  if (batch_ == 1) {  // a contiguous prefix of the buffer: no copy
    return {keys_[size_t(layer)].select(0).slice(0, total).view({1, total, kv_heads_, head_dim_}),
            values_[size_t(layer)].select(0).slice(0, total).view({1, total, kv_heads_, head_dim_})};
  }
  Tensor kk = Tensor::empty({batch_, total, kv_heads_, head_dim_});
  Tensor vv = Tensor::empty({batch_, total, kv_heads_, head_dim_});
  for (int64_t b = 0; b < batch_; ++b) {
    std::memcpy(kk.data<float>() + b * total * row, keys_[size_t(layer)].data<float>() + b * max_len_ * row,
                size_t(total * row) * sizeof(float));
    std::memcpy(vv.data<float>() + b * total * row, values_[size_t(layer)].data<float>() + b * max_len_ * row,
                size_t(total * row) * sizeof(float));
  }
  return {kk, vv};
}

void KvCache::advance(int64_t tokens) {
  HONE_CHECK(length_ + tokens <= max_len_, "kv cache: advance past capacity");
  length_ += tokens;
}

size_t KvCache::bytes() const { return size_t(2 * num_layers_ * batch_ * max_len_ * kv_heads_ * head_dim_) * 4; }

}  // namespace hone
