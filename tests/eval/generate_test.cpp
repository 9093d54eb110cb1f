// generate(): the KV-cache loop gives the tokens that recomputing the whole sequence each step
// gives, stops at a stop id or the token budget, streams each token, and refuses bad prompts.
#include <gtest/gtest.h>

#include <algorithm>

#include "hone/autograd/grad_mode.h"
#include "hone/eval/generate.h"
#include "hone/model/hf_model.h"

namespace hone {
namespace {

std::string model_dir(const std::string& name) { return std::string(HONE_TEST_DATA_DIR) + "/models/" + name; }

// Greedy decoding without a cache: the full sequence through the model at every step.
std::vector<int32_t> greedy_by_recomputing(DecoderModel& model, std::vector<int32_t> seq, int64_t n) {
  NoGradGuard no_grad;
  std::vector<int32_t> out;
  for (int64_t i = 0; i < n; ++i) {
    const Tensor ids = Tensor::from_ints({1, int64_t(seq.size())}, seq);
    const Tensor logits = last_position_logits(model, model.hidden_states(ids));
    const float* l = logits.data<float>();
    const int32_t next = int32_t(std::max_element(l, l + logits.numel()) - l);
    out.push_back(next);
    seq.push_back(next);
  }
  return out;
}

class GenerateVariant : public ::testing::TestWithParam<const char*> {};

TEST_P(GenerateVariant, KvCacheGivesTheTokensOfFullRecomputation) {
  auto model = load_hf_model(model_dir(GetParam()));
  const std::vector<int32_t> prompt{1, 17, 42, 5, 88, 23};
  GenerationOptions o;
  o.max_new_tokens = 20;
  const GenerationResult r = generate(*model, prompt, o);
  EXPECT_EQ(r.tokens, greedy_by_recomputing(*model, prompt, 20));
  EXPECT_EQ(r.finish_reason, "length");
  EXPECT_EQ(r.prompt_tokens, 6);
}

INSTANTIATE_TEST_SUITE_P(Variants, GenerateVariant, ::testing::Values("llama_gqa", "llama_tied_llama3_mqa", "qwen2"));

TEST(Generate, StopsAtAStopIdAndIncludesIt) {
  auto model = load_hf_model(model_dir("llama_gqa"));
  const std::vector<int32_t> prompt{1, 70, 3};
  GenerationOptions o;
  o.max_new_tokens = 12;
  const GenerationResult free_run = generate(*model, prompt, o);
  ASSERT_EQ(free_run.tokens.size(), 12u);
  // Stop at the first occurrence of the 4th token.
  const int32_t stop = free_run.tokens[3];
  const size_t first = size_t(std::find(free_run.tokens.begin(), free_run.tokens.end(), stop) - free_run.tokens.begin());
  o.stop_ids = {95, stop};
  std::vector<int32_t> streamed;
  const GenerationResult r = generate(*model, prompt, o, [&](int32_t id) { streamed.push_back(id); });
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.tokens, std::vector<int32_t>(free_run.tokens.begin(), free_run.tokens.begin() + long(first) + 1));
  EXPECT_EQ(streamed, r.tokens);
}

TEST(Generate, RespectsTheTokenBudgetAndTheContextLength) {
  auto model = load_hf_model(model_dir("llama_gqa"));
  GenerationOptions o;
  for (int64_t n : {0, 1, 5}) {
    o.max_new_tokens = n;
    const GenerationResult r = generate(*model, {1, 2, 3}, o);
    EXPECT_EQ(int64_t(r.tokens.size()), n);
    EXPECT_EQ(r.finish_reason, "length");
  }
  // max_position_embeddings is 64: a 62-token prompt leaves room to feed 2 more tokens, and the
  // token chosen at the last position still counts (it is never fed back).
  std::vector<int32_t> long_prompt(62, 7);
  o.max_new_tokens = 10;
  const GenerationResult r = generate(*model, long_prompt, o);
  EXPECT_EQ(r.tokens.size(), 3u);
  EXPECT_EQ(r.finish_reason, "length");
}

TEST(Generate, SampledGenerationIsReproducibleFromTheSeed) {
  auto model = load_hf_model(model_dir("qwen2"));
  GenerationOptions o;
  o.max_new_tokens = 16;
  o.sampling.temperature = 1.5;
  o.sampling.top_p = 0.95;
  o.sampling.seed = 5;
  const auto a = generate(*model, {1, 2}, o).tokens, b = generate(*model, {1, 2}, o).tokens;
  o.sampling.seed = 6;
  const auto c = generate(*model, {1, 2}, o).tokens;
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Generate, BadPromptsAreErrors) {
  auto model = load_hf_model(model_dir("llama_gqa"));
  GenerationOptions o;
  EXPECT_THROW(generate(*model, {}, o), Error);
  try {
    generate(*model, {1, 96}, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("token 96 at position 1"), std::string::npos) << e.what();
  }
  std::vector<int32_t> too_long(65, 1);
  EXPECT_THROW(generate(*model, too_long, o), Error);
}

}  // namespace
}  // namespace hone
