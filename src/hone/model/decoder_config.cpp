#include "hone/model/decoder_config.h"

#include <unistd.h>

#include <utility>

#include "hone/util/error.h"

namespace hone {

void DecoderConfig::validate() const {
  HONE_CHECK(vocab_size > 0, "vocab_size must be positive, got ", vocab_size);
  HONE_CHECK(hidden_size > 0, "hidden_size must be positive, got ", hidden_size);
  HONE_CHECK(intermediate_size > 0, "intermediate_size must be positive, got ", intermediate_size);
  HONE_CHECK(num_layers > 0, "num_hidden_layers must be positive, got ", num_layers);
  HONE_CHECK(num_heads > 0, "num_attention_heads must be positive, got ", num_heads);
  HONE_CHECK(num_kv_heads > 0 && num_heads % num_kv_heads == 0, "num_key_value_heads (", num_kv_heads,
             ") must divide num_attention_heads (", num_heads, ")");
  HONE_CHECK(head_dim > 0 && head_dim % 2 == 0, "head_dim must be positive and even, got ", head_dim);
  HONE_CHECK(rope.head_dim == head_dim, "internal: rope head_dim ", rope.head_dim, " != head_dim ", head_dim);
  HONE_CHECK(rms_norm_eps > 0, "rms_norm_eps must be positive, got ", rms_norm_eps);
  HONE_CHECK(max_position_embeddings > 0, "max_position_embeddings must be positive");
  HONE_CHECK(layer_windows.empty() || int64_t(layer_windows.size()) == num_layers, "internal: ", layer_windows.size(),
             " layer windows for ", num_layers, " layers");
  for (int64_t w : layer_windows) HONE_CHECK(w >= 0, "sliding_window must be positive, got ", w);
  HONE_CHECK(!query_pre_attn_scalar || *query_pre_attn_scalar > 0, "query_pre_attn_scalar must be positive");
  HONE_CHECK(!sliding_rope || sliding_rope->head_dim == head_dim, "internal: sliding rope head_dim ",
             sliding_rope ? sliding_rope->head_dim : 0, " != head_dim ", head_dim);
  // Sizes from a damaged or hostile config.json (hidden_size 10^12, block_count 2^31) must fail
  // here, naming the key, not after seconds of allocating or with an overflowed element count.
  for (const auto& [key, value] : {std::pair{"vocab_size", vocab_size}, std::pair{"hidden_size", hidden_size},
                                   std::pair{"intermediate_size", intermediate_size},
                                   std::pair{"num_hidden_layers", num_layers}, std::pair{"num_attention_heads", num_heads},
                                   std::pair{"head_dim", head_dim}})
    HONE_CHECK(value <= kMaxDimension, key, " ", value, " is beyond any model hone can hold (at most ", kMaxDimension, ")");
  for (const auto& [key, ids] : {std::pair{"bos_token_id", &bos_token_ids}, std::pair{"eos_token_id", &eos_token_ids}})
    for (const int32_t id : *ids)
      HONE_CHECK(id >= 0 && id < vocab_size, key, " ", id, " is outside the vocabulary [0, ", vocab_size, ")");
  const double bytes = 2.0 * parameter_count_estimate();  // bf16: the narrowest storage hone keeps weights in
  const double memory = double(::sysconf(_SC_PHYS_PAGES)) * double(::sysconf(_SC_PAGESIZE));
  HONE_CHECK(memory <= 0 || bytes <= memory, "the sizes (vocab_size ", vocab_size, ", hidden_size ", hidden_size,
             ", intermediate_size ", intermediate_size, ", num_hidden_layers ", num_layers, ") imply ",
             parameter_count_estimate(), " parameters, ", bytes / 1e9, " GB even in bf16: more than this machine's ",
             memory / 1e9, " GB of memory");
}

double DecoderConfig::parameter_count_estimate() const {
  const double d = double(hidden_size), q = double(num_heads) * double(head_dim), kv = double(num_kv_heads) * double(head_dim);
  const double per_layer = d * q * 2 + 2 * d * kv + 3 * d * double(intermediate_size) + 2 * d;
  return double(num_layers) * per_layer + double(vocab_size) * d * (tie_word_embeddings ? 1 : 2) + d;
}

int64_t DecoderConfig::parameter_count() const {
  const int64_t q = num_heads * head_dim, kv = num_kv_heads * head_dim;
  int64_t per_layer = hidden_size * q + 2 * hidden_size * kv + q * hidden_size  // q, k, v, o
                      + 3 * hidden_size * intermediate_size                      // gate, up, down
                      + 2 * hidden_size;                                         // two norms
  if (qkv_bias) per_layer += q + 2 * kv;
  if (o_bias) per_layer += hidden_size;
  if (qk_norm) per_layer += 2 * head_dim;
  if (sandwich_norms) per_layer += 2 * hidden_size;
  int64_t total = num_layers * per_layer + vocab_size * hidden_size + hidden_size;
  if (!tie_word_embeddings) total += vocab_size * hidden_size;
  return total;
}

}  // namespace hone
