// Each hook point of the decoder does what it says: a hook that adds or scales by a known amount
// equals the same change made to the weights, a key/value prefix gives the same logits with and
// without the KV cache (and trains), hooks see the forward context, and without hooks (or after
// removing them) the forward pass is bit for bit the plain one.
#include <gtest/gtest.h>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/model/block_hooks.h"
#include "hone/model/hf_model.h"
#include "support/golden.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::random_f32;

std::unique_ptr<DecoderModel> model() {
  return load_hf_model(std::string(HONE_TEST_DATA_DIR) + "/models/llama_gqa");  // untied lm_head
}

const Tensor& ids() {
  static const Tensor t = Tensor::from_ints({2, 6}, std::vector<int32_t>{3, 7, 11, 40, 80, 2, 1, 9, 27, 63, 64, 5});
  return t;
}

Tensor logits(DecoderModel& m, const ForwardOptions& options = {}) {
  NoGradGuard no_grad;
  return m.logits(m.hidden_states(ids(), options));
}

struct AddToEmbedding : BlockHook {
  Tensor c;
  Tensor embedding_output(const Tensor& h, const ForwardContext&) override { return add(h, c); }
};

TEST(BlockHooks, EmbeddingOutputHookEqualsChangingTheTable) {
  auto hooked = model(), changed = model();
  const Tensor base = logits(*hooked);
  auto hook = std::make_shared<AddToEmbedding>();
  hook->c = random_f32({32}, 1, -0.5, 0.5);
  hooked->add_hook(hook);
  changed->embed_tokens() = add(changed->embed_tokens().to(DType::F32), hook->c);
  const auto with = logits(*hooked).to_doubles();
  EXPECT_EQ(with, logits(*changed).to_doubles());
  EXPECT_NE(with, base.to_doubles());
  hooked->remove_hook(hook.get());
  EXPECT_EQ(logits(*hooked).to_doubles(), base.to_doubles());
}

struct DoubleNorm : BlockHook {
  std::string which;  // the norm weight's name
  Tensor norm_output(const Tensor& weight, const Tensor& out, const ForwardContext&) override {
    return weight.name() == which ? scale(out, 2.0) : out;
  }
};

TEST(BlockHooks, NormHookEqualsScalingTheNormWeight) {
  for (const char* norm : {"model.layers.0.input_layernorm.weight", "model.layers.1.post_attention_layernorm.weight",
                           "model.norm.weight"}) {
    auto hooked = model(), changed = model();
    auto hook = std::make_shared<DoubleNorm>();
    hook->which = norm;
    hooked->add_hook(hook);
    for (auto& [name, t] : changed->named_parameters())
      if (name == norm) *t = scale(t->to(DType::F32), 2.0).set_name(name);  // a power of two: exact
    EXPECT_EQ(logits(*hooked).to_doubles(), logits(*changed).to_doubles()) << norm;
  }
}

struct AddToSubLayer : BlockHook {
  int64_t layer = 0;
  bool mlp = false;
  Tensor c;
  Tensor attention_output(int64_t l, const Tensor& input, const Tensor& out, const ForwardContext&) override {
    EXPECT_EQ(input.shape(), out.shape());
    return !mlp && l == layer ? add(out, c) : out;
  }
  Tensor mlp_output(int64_t l, const Tensor& input, const Tensor& out, const ForwardContext&) override {
    EXPECT_EQ(input.shape(), out.shape());
    return mlp && l == layer ? add(out, c) : out;
  }
};

TEST(BlockHooks, SubLayerOutputHooksAddLikeAnOutputBias) {
  for (const bool mlp : {false, true}) {
    auto hooked = model(), changed = model();
    const Tensor base = logits(*hooked);
    auto hook = std::make_shared<AddToSubLayer>();
    hook->layer = 1;
    hook->mlp = mlp;
    hook->c = random_f32({32}, 2, -0.5, 0.5);
    hooked->add_hook(hook);
    LinearModule& out = mlp ? changed->layers()[1].down_proj : changed->layers()[1].o_proj;
    out.bias = hook->c.clone();
    const Tensor with = logits(*hooked);
    // x W^T + c as one product with a bias, or as a product and then an add: rounding only.
    testing::expect_close(with, logits(*changed), 1e-6, 1e-5, mlp ? "mlp" : "attention");
    double moved = 0;
    const auto a = with.to_doubles(), b = base.to_doubles();
    for (size_t i = 0; i < a.size(); ++i) moved = std::max(moved, std::abs(a[i] - b[i]));
    EXPECT_GT(moved, 1e-2);
  }
}

struct Prefix : BlockHook {
  std::vector<std::pair<Tensor, Tensor>> kv;  // per layer
  std::pair<Tensor, Tensor> kv_prefix(int64_t layer, const ForwardContext&) override { return kv[size_t(layer)]; }
};

std::shared_ptr<Prefix> make_prefix(bool trainable) {
  auto p = std::make_shared<Prefix>();
  for (uint64_t l = 0; l < 2; ++l) {
    Tensor k = random_f32({1, 3, 2, 8}, 10 + l), v = random_f32({1, 3, 2, 8}, 20 + l);
    k.set_requires_grad(trainable);
    v.set_requires_grad(trainable);
    p->kv.emplace_back(k, v);
  }
  return p;
}

TEST(BlockHooks, KvPrefixGivesTheSameLogitsWithAndWithoutTheCache) {
  auto m = model();
  const Tensor base = logits(*m);
  m->add_hook(make_prefix(false));
  const Tensor full = logits(*m);
  const int64_t B = 2, T = 6, V = 96;
  KvCache cache = m->make_cache(B, T);
  ForwardOptions options;
  options.cache = &cache;
  const auto want = full.to_doubles();
  double moved = 0;
  for (size_t i = 0; i < want.size(); ++i) moved = std::max(moved, std::abs(want[i] - base.to_doubles()[i]));
  EXPECT_GT(moved, 1e-3) << "the prefix should change the logits";
  // The first three tokens at once, then one at a time.
  int64_t done = 0;
  for (const int64_t n : {3, 1, 1, 1}) {
    std::vector<int32_t> chunk;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = done; t < done + n; ++t) chunk.push_back(ids().data<int32_t>()[b * T + t]);
    NoGradGuard no_grad;
    const auto got = m->logits(m->hidden_states(Tensor::from_ints({B, n}, chunk), options)).to_doubles();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < n; ++t)
        for (int64_t v = 0; v < V; ++v)
          ASSERT_NEAR(got[size_t((b * n + t) * V + v)], want[size_t((b * T + done + t) * V + v)], 2e-5)
              << "row " << b << " position " << done + t;
    done += n;
  }
}

TEST(BlockHooks, KvPrefixTrains) {
  auto m = model();
  auto prefix = make_prefix(true);
  m->add_hook(prefix);
  ForwardOptions options;
  options.checkpoint_layers = true;  // the recomputed forward sees the same prefix
  backward(m->loss(ids(), ids(), options));
  for (const auto& [k, v] : prefix->kv) {
    ASSERT_TRUE(k.grad().defined() && v.grad().defined());
    double norm = 0;
    for (const double g : k.grad().to_doubles()) norm += g * g;
    EXPECT_GT(norm, 0);
  }
  ForwardOptions packed;
  packed.segment_ids = Tensor::from_ints({2, 6}, std::vector<int32_t>(12, 0));
  EXPECT_THROW(m->loss(ids(), ids(), packed), Error);
}

struct SeesContext : BlockHook {
  ForwardContext seen;
  int calls = 0;
  Tensor embedding_output(const Tensor& h, const ForwardContext& ctx) override {
    seen = ctx;
    ++calls;
    return h;
  }
};

TEST(BlockHooks, HooksSeeTheForwardContextAndANoOpHookChangesNothing) {
  auto m = model();
  const Tensor base = logits(*m);
  auto hook = std::make_shared<SeesContext>();
  m->add_hook(hook);
  ForwardOptions options;
  options.context = ForwardContext{true, 7, 3, 9};
  EXPECT_EQ(logits(*m, options).to_doubles(), base.to_doubles());
  EXPECT_EQ(hook->calls, 1);
  EXPECT_TRUE(hook->seen.training);
  EXPECT_EQ(hook->seen.seed, 7u);
  EXPECT_EQ(hook->seen.step, 3u);
  EXPECT_EQ(hook->seen.micro_step, 9u);
}

}  // namespace
}  // namespace hone
