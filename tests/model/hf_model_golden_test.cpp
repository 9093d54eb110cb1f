// Every supported config.json variant loads from its Hugging Face folder and matches the
// logits, loss and every parameter gradient of the PyTorch mirror of transformers' modeling
// code (tests/reference/golden_models.py).
#include <gtest/gtest.h>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/model/hf_model.h"
#include "support/golden.h"

namespace hone {
namespace {

using testing::expect_close;
using testing::Golden;

std::string model_dir(const std::string& name) { return std::string(HONE_TEST_DATA_DIR) + "/models/" + name; }

class HfModelGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(HfModelGolden, LogitsLossAndGradientsMatchPyTorch) {
  const std::string name = GetParam();
  Golden g("model_" + name);
  LoadReport report;
  auto model = load_hf_model(model_dir(name), {}, &report);
  EXPECT_TRUE(report.unexpected_tensors.empty());
  const Tensor ids = g.get("ids");
  {
    NoGradGuard no_grad;
    const Tensor logits = model->logits(model->hidden_states(ids));
    // f32 through two layers and a vocabulary projection: agreement to ~1e-5 relative.
    expect_close(logits, g.get("logits"), 2e-5, 2e-4, name + " logits");
  }
  for (auto& [pname, p] : model->named_parameters()) p->set_requires_grad(true);
  const Tensor loss = model->loss(ids, g.get("labels"));
  EXPECT_NEAR(loss.item(), g.get("loss").item(), 1e-5) << name;
  backward(loss);
  for (auto& [pname, p] : model->named_parameters())
    expect_close(p->grad(), g.get("grad." + pname), 1e-6, 1e-3, name + " grad " + pname);
}

INSTANTIATE_TEST_SUITE_P(Variants, HfModelGolden,
                         ::testing::Values("llama_gqa", "llama_tied_llama3_mqa", "llama_bias_linear_headdim", "mistral",
                                           "qwen2", "qwen3", "gemma3", "gemma3_layer_types"));

TEST(HfModel, Bf16CheckpointLoadsAndMatches) {
  Golden g("model_llama_gqa_bf16");
  LoadReport report;
  auto model = load_hf_model(model_dir("llama_gqa_bf16"), {}, &report);
  EXPECT_EQ(report.stored_dtype, "bf16");
  NoGradGuard no_grad;
  expect_close(model->logits(model->hidden_states(g.get("ids"))), g.get("logits"), 2e-5, 2e-4, "bf16 logits");
  // Kept in bf16 in memory: the same numbers (weights are widened exactly).
  LoadOptions keep;
  keep.keep_stored_dtype = true;
  auto lean = load_hf_model(model_dir("llama_gqa_bf16"), keep);
  EXPECT_EQ(lean->layers()[0].q_proj.weight.dtype(), DType::BF16);
  expect_close(lean->logits(lean->hidden_states(g.get("ids"))), g.get("logits"), 2e-5, 2e-4, "bf16-kept logits");
}

// Decoding one token at a time past Gemma 3's sliding window of 4 (keys leave the window while
// the full layers still see them) matches the full forward, as llama_gqa's does.
class KvCacheDecoding : public ::testing::TestWithParam<const char*> {};

TEST_P(KvCacheDecoding, MatchesFullForward) {
  Golden g("model_" + std::string(GetParam()));
  auto model = load_hf_model(model_dir(GetParam()));
  NoGradGuard no_grad;
  const Tensor ids = g.get("ids").select(0).view({1, -1});
  const int64_t T = ids.dim(1);
  const Tensor full = model->logits(model->hidden_states(ids));
  KvCache cache = model->make_cache(1, T);
  ForwardOptions fwd;
  fwd.cache = &cache;
  // Prefill 4 tokens, then one at a time.
  const Tensor first = model->logits(model->hidden_states(ids.view({T}).slice(0, 4).view({1, 4}), fwd));
  expect_close(first.view({4, -1}), full.view({T, -1}).slice(0, 4), 1e-5, 1e-4, "prefill");
  for (int64_t t = 4; t < T; ++t) {
    const Tensor step = model->logits(model->hidden_states(ids.view({T}).slice(t, t + 1).view({1, 1}), fwd));
    expect_close(step.view({1, -1}), full.view({T, -1}).slice(t, t + 1), 1e-5, 1e-4, "decode step " + std::to_string(t));
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, KvCacheDecoding, ::testing::Values("llama_gqa", "gemma3", "gemma3_layer_types"));

}  // namespace
}  // namespace hone
