#include "hone/model/decoder_model.h"

#include <cmath>
#include <algorithm>

#include "hone/autograd/checkpoint.h"
#include "hone/autograd/ops_concat.h"
#include "hone/autograd/ops_attention.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/autograd/ops_embedding.h"
#include "hone/autograd/ops_linalg.h"
#include "hone/autograd/ops_loss.h"
#include "hone/autograd/ops_norm.h"
#include "hone/autograd/ops_rope.h"
#include "hone/autograd/ops_swiglu.h"
#include "hone/util/rng.h"

namespace hone {

namespace {

LinearModule make_linear(const std::string& name, int64_t out, int64_t in, bool bias) {
  LinearModule m;
  m.name = name;
  m.weight = Tensor::empty({out, in}).set_name(name + ".weight");
  if (bias) m.bias = Tensor::empty({out}).set_name(name + ".bias");
  return m;
}

// The generator is counter-based (value i depends only on i), so the fill parallelises without
// changing a single value: 135M parameters initialise in seconds instead of a minute.
void fill_normal(Tensor& t, Rng rng, double std) {
  float* p = t.data<float>();
  const int64_t n = t.numel();
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
  for (int64_t i = 0; i < n; ++i) p[i] = float(std * rng.normal(uint64_t(i)));
}

}  // namespace

DecoderModel::DecoderModel(DecoderConfig config) : config_(std::move(config)) {
  config_.rope.head_dim = config_.head_dim;
  if (config_.sliding_rope) config_.sliding_rope->head_dim = config_.head_dim;
  config_.validate();
  const auto& c = config_;
  embed_tokens_ = Tensor::empty({c.vocab_size, c.hidden_size}).set_name("model.embed_tokens.weight");
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    DecoderLayer l;
    l.input_layernorm = Tensor::empty({c.hidden_size}).set_name(p + "input_layernorm.weight");
    l.post_attention_layernorm = Tensor::empty({c.hidden_size}).set_name(p + "post_attention_layernorm.weight");
    if (c.sandwich_norms) {
      l.pre_feedforward_layernorm = Tensor::empty({c.hidden_size}).set_name(p + "pre_feedforward_layernorm.weight");
      l.post_feedforward_layernorm = Tensor::empty({c.hidden_size}).set_name(p + "post_feedforward_layernorm.weight");
    }
    l.q_proj = make_linear(p + "self_attn.q_proj", c.num_heads * c.head_dim, c.hidden_size, c.qkv_bias);
    l.k_proj = make_linear(p + "self_attn.k_proj", c.num_kv_heads * c.head_dim, c.hidden_size, c.qkv_bias);
    l.v_proj = make_linear(p + "self_attn.v_proj", c.num_kv_heads * c.head_dim, c.hidden_size, c.qkv_bias);
    l.o_proj = make_linear(p + "self_attn.o_proj", c.hidden_size, c.num_heads * c.head_dim, c.o_bias);
    if (c.qk_norm) {
      l.q_norm = Tensor::empty({c.head_dim}).set_name(p + "self_attn.q_norm.weight");
      l.k_norm = Tensor::empty({c.head_dim}).set_name(p + "self_attn.k_norm.weight");
    }
    l.gate_proj = make_linear(p + "mlp.gate_proj", c.intermediate_size, c.hidden_size, false);
    l.up_proj = make_linear(p + "mlp.up_proj", c.intermediate_size, c.hidden_size, false);
    l.down_proj = make_linear(p + "mlp.down_proj", c.hidden_size, c.intermediate_size, false);
    layers_.push_back(std::move(l));
  }
  norm_ = Tensor::empty({c.hidden_size}).set_name("model.norm.weight");
  if (!c.tie_word_embeddings) lm_head_ = Tensor::empty({c.vocab_size, c.hidden_size}).set_name("lm_head.weight");
  one_ = Tensor::full({1}, 1.0);
  // A bad rope configuration is an error at load, not at the first forward.
  (void)rope_inv_freq(c.rope);
  if (c.sliding_rope) (void)rope_inv_freq(*c.sliding_rope);
}

void DecoderModel::ensure_rope_positions(int64_t count) {
  if (rope_ && rope_->max_positions() >= count) return;
  // Each position's angles depend on it alone, so a grown table gives the same values; layers
  // still holding the old table (in a graph) keep it alive through their shared_ptr.
  const int64_t grown = std::max<int64_t>(count, rope_ ? 2 * rope_->max_positions() : 256);
  const int64_t size = std::min(grown, config_.max_position_embeddings);
  rope_ = RopeTable::create(config_.rope, size);
  if (config_.sliding_rope) sliding_rope_ = RopeTable::create(*config_.sliding_rope, size);
}

std::vector<std::pair<std::string, Tensor*>> DecoderModel::named_parameters() {
  std::vector<std::pair<std::string, Tensor*>> out;
  out.emplace_back("model.embed_tokens.weight", &embed_tokens_);
  for (auto& l : layers_) {
    for (LinearModule* m : {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj}) {
      out.emplace_back(m->name + ".weight", &m->weight);
      if (m->bias.defined()) out.emplace_back(m->name + ".bias", &m->bias);
    }
    for (Tensor* norm : {&l.q_norm, &l.k_norm})
      if (norm->defined()) out.emplace_back(norm->name(), norm);
    for (LinearModule* m : {&l.gate_proj, &l.up_proj, &l.down_proj}) out.emplace_back(m->name + ".weight", &m->weight);
    out.emplace_back(l.input_layernorm.name(), &l.input_layernorm);
    out.emplace_back(l.post_attention_layernorm.name(), &l.post_attention_layernorm);
    for (Tensor* norm : {&l.pre_feedforward_layernorm, &l.post_feedforward_layernorm})
      if (norm->defined()) out.emplace_back(norm->name(), norm);
  }
  out.emplace_back("model.norm.weight", &norm_);
  if (lm_head_.defined()) out.emplace_back("lm_head.weight", &lm_head_);
  return out;
}

std::vector<LinearModule*> DecoderModel::linear_modules() {
  std::vector<LinearModule*> out;
  for (auto& l : layers_)
    for (LinearModule* m : {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj})
      out.push_back(m);
  return out;
}

void DecoderModel::init_random(uint64_t seed, double std) {
  uint64_t stream = 0;
  for (auto& [name, t] : named_parameters()) {
    if (name.size() > 11 && name.compare(name.size() - 11, 11, "norm.weight") == 0) {  // every RMSNorm: identity
      t->fill(config_.norm_adds_one ? 0.0 : 1.0);
    } else if (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0) {
      t->fill(0.0);
    } else {
      fill_normal(*t, Rng(seed, stream), std);
    }
    ++stream;
  }
}

KvCache DecoderModel::make_cache(int64_t batch, int64_t max_len) const {
  return KvCache(config_.num_layers, batch, max_len, config_.num_kv_heads, config_.head_dim);
}

Tensor DecoderModel::layer_forward(DecoderLayer& l, int64_t index, const Tensor& h, const Tensor& positions,
                                   const ForwardOptions& options) {
  const auto& c = config_;
  const int64_t B = h.dim(0), T = h.dim(1);
  const ForwardContext& ctx = options.context;
  const Tensor x = norm(h, l.input_layernorm, ctx);
  Tensor q = reshape(l.q_proj.forward(x, ctx), Shape{B, T, c.num_heads, c.head_dim});
  Tensor k = reshape(l.k_proj.forward(x, ctx), Shape{B, T, c.num_kv_heads, c.head_dim});
  Tensor v = reshape(l.v_proj.forward(x, ctx), Shape{B, T, c.num_kv_heads, c.head_dim});
  if (c.qk_norm) {  // over the last dimension: each head on its own
    q = norm(q, l.q_norm, ctx);
    k = norm(k, l.k_norm, ctx);
  }
  const int64_t window = c.window_for_layer(index);
  const auto& table = window > 0 && sliding_rope_ ? sliding_rope_ : rope_;
  q = rope(q, positions, table);
  k = rope(k, positions, table);
  if (options.cache) std::tie(k, v) = options.cache->append(index, k, v);
  if (!hooks_.empty()) std::tie(k, v) = with_kv_prefixes(index, k, v, options);
  AttentionOptions attn;
  attn.causal = true;
  attn.segment_ids = options.segment_ids;
  attn.window = window;
  if (c.query_pre_attn_scalar) attn.scale = 1.0 / std::sqrt(*c.query_pre_attn_scalar);
  const Tensor a = reshape(attention(q, k, v, attn), Shape{B, T, c.num_heads * c.head_dim});
  Tensor attn_out = l.o_proj.forward(a, ctx);
  if (c.sandwich_norms) attn_out = norm(attn_out, l.post_attention_layernorm, ctx);
  for (const auto& hook : hooks_) attn_out = hook->attention_output(index, x, attn_out, ctx);
  const Tensor h2 = add(h, attn_out);
  const Tensor y = norm(h2, c.sandwich_norms ? l.pre_feedforward_layernorm : l.post_attention_layernorm, ctx);
  Tensor out = mlp(l, y, ctx);
  if (c.sandwich_norms) out = norm(out, l.post_feedforward_layernorm, ctx);
  for (const auto& hook : hooks_) out = hook->mlp_output(index, y, out, ctx);
  return add(h2, out);
}

Tensor DecoderModel::norm(const Tensor& x, const Tensor& weight, const ForwardContext& ctx) const {
  const Tensor out = rms_norm(x, config_.norm_adds_one ? add(weight, one_) : weight, config_.rms_norm_eps);
  return after_norm_hooks(weight, out, ctx);
}

Tensor DecoderModel::mlp(DecoderLayer& l, const Tensor& x, const ForwardContext& ctx) const {
  const Tensor gate = l.gate_proj.forward(x, ctx), up = l.up_proj.forward(x, ctx);
  const Tensor hidden = config_.activation == MlpActivation::kGeluTanh ? mul(gelu_tanh(gate), up) : swiglu(gate, up);
  return l.down_proj.forward(hidden, ctx);
}

Tensor DecoderModel::hidden_states(const Tensor& ids, const ForwardOptions& options) {
  HONE_CHECK(ids.dtype() == DType::I32 && ids.rank() == 2, "model input ids must be I32 [batch, seq], got ",
             describe(ids));
  const int64_t T = ids.dim(1);
  const int64_t past = options.cache ? options.cache->length() : 0;
  HONE_CHECK(past + T <= config_.max_position_embeddings, "sequence of ", past + T,
             " tokens exceeds max_position_embeddings ", config_.max_position_embeddings);
  const Tensor positions = options.positions.defined() ? options.positions : rope_positions(T, past);
  int64_t needed = past + T;
  if (options.positions.defined() && positions.dtype() == DType::I32 && positions.numel() > 0) {
    const int32_t* p = positions.data<int32_t>();
    needed = std::max<int64_t>(needed, int64_t(*std::max_element(p, p + positions.numel())) + 1);
  }
  ensure_rope_positions(std::min(needed, config_.max_position_embeddings));
  Tensor h = embedding(embed_tokens_, ids);
  if (config_.embedding_scale != 1.0) h = scale(h, config_.embedding_scale);
  for (const auto& hook : hooks_) h = hook->embedding_output(h, options.context);
  for (size_t i = 0; i < layers_.size(); ++i) {
    DecoderLayer& layer = layers_[i];
    if (options.checkpoint_layers && !options.cache) {
      h = checkpoint([this, &layer, i, positions, options](const Tensor& x) {
        return layer_forward(layer, int64_t(i), x, positions, options);
      }, h);
    } else {
      h = layer_forward(layer, int64_t(i), h, positions, options);
    }
  }
  if (options.cache) options.cache->advance(T);
  return norm(h, norm_, options.context);
}

void DecoderModel::add_hook(std::shared_ptr<BlockHook> hook) { hooks_.push_back(std::move(hook)); }

void DecoderModel::remove_hook(const BlockHook* hook) {
  std::erase_if(hooks_, [hook](const std::shared_ptr<BlockHook>& h) { return h.get() == hook; });
}

Tensor DecoderModel::after_norm_hooks(const Tensor& weight, Tensor out, const ForwardContext& ctx) const {
  for (const auto& hook : hooks_) out = hook->norm_output(weight, out, ctx);
  return out;
}

std::pair<Tensor, Tensor> DecoderModel::with_kv_prefixes(int64_t layer, Tensor k, Tensor v,
                                                         const ForwardOptions& options) const {
  for (const auto& hook : hooks_) {
    const auto [pk, pv] = hook->kv_prefix(layer, options.context);
    if (!pk.defined() && !pv.defined()) continue;
    HONE_CHECK(pk.defined() && pv.defined(), "layer ", layer, ": a key/value prefix needs both keys and values");
    HONE_CHECK(!options.segment_ids.defined(), "layer ", layer,
               ": a key/value prefix cannot be combined with packed sequences (segment_ids)");
    // The prefix sits before every position, cached or new: attention's causal mask is aligned
    // at the end, so each query sees the whole prefix and the keys up to its own position.
    k = prepend_along_seq(pk, k);
    v = prepend_along_seq(pv, v);
  }
  return {k, v};
}

Tensor DecoderModel::logits(const Tensor& hidden) const { return linear(hidden, lm_head_weight()); }

Tensor DecoderModel::loss(const Tensor& ids, const Tensor& labels, const ForwardOptions& options, bool sum) {
  HONE_CHECK(labels.shape() == ids.shape() && labels.dtype() == DType::I32, "labels ", describe(labels),
             " must be I32 with the shape of the ids ", describe(ids));
  const Tensor hidden = hidden_states(ids, options);
  CrossEntropyOptions ce;
  ce.reduction = sum ? LossReduction::Sum : LossReduction::Mean;
  return linear_cross_entropy(hidden, lm_head_weight(), shift_labels(labels), ce);
}

Tensor shift_labels(const Tensor& labels) {
  Tensor out = Tensor::empty(labels.shape(), DType::I32);
  const int64_t B = labels.dim(0), T = labels.dim(1);
  const int32_t* in = labels.data<int32_t>();
  int32_t* o = out.data<int32_t>();
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t + 1 < T; ++t) o[b * T + t] = in[b * T + t + 1];
    if (T > 0) o[b * T + T - 1] = -100;
  }
  return out;
}

}  // namespace hone
