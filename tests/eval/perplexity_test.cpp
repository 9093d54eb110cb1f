// evaluate_loss over a pre-tokenized JSONL file matches the PyTorch golden
// (tests/reference/golden_eval.py): the mean shifted NLL over every scored token of the file.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hone/eval/perplexity.h"
#include "hone/model/hf_model.h"
#include "support/golden.h"

namespace hone {
namespace {

std::string data(const std::string& path) { return std::string(HONE_TEST_DATA_DIR) + "/" + path; }

class PerplexityGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(PerplexityGolden, MatchesPyTorch) {
  const std::string name = GetParam();
  testing::Golden g("eval_" + name);
  auto model = load_hf_model(data("models/" + name));
  const auto examples = read_tokens_jsonl(data("eval/tokens.jsonl"), model->config().vocab_size);
  std::vector<std::pair<int64_t, int64_t>> progress;
  const EvalResult r = evaluate_loss(*model, examples, [&](int64_t done, int64_t total) { progress.emplace_back(done, total); });
  EXPECT_NEAR(r.loss, g.get("loss").item(), 1e-5);
  EXPECT_NEAR(r.perplexity, std::exp(g.get("loss").item()), 1e-4);
  EXPECT_EQ(r.tokens, int64_t(g.get("tokens").item()));
  EXPECT_EQ(r.examples, 5);
  ASSERT_EQ(progress.size(), 5u);
  EXPECT_EQ(progress.back(), (std::pair<int64_t, int64_t>{5, 5}));
}

INSTANTIATE_TEST_SUITE_P(Variants, PerplexityGolden, ::testing::Values("llama_gqa", "qwen2"));

// A loss of 0 over no tokens reads as a perfect model (issue 11, item 8): an error instead.
TEST(Perplexity, NothingScoredIsAnError) {
  auto model = load_hf_model(data("models/llama_gqa"));
  const std::vector<TokenizedExample> none{{{1, 2, 3}, {-100, -100, -100}}, {{4}, {4}}};
  try {
    evaluate_loss(*model, none);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no scored tokens in 2 examples"), std::string::npos) << e.what();
  }
}

// A NaN weight must surface as an error, not as a finite loss: attention rows whose scores are
// all NaN used to be treated as fully masked (zeros), hiding the NaN (issue 11, item 7).
TEST(Perplexity, NaNInAttentionWeightsIsAnErrorNotAFiniteLoss) {
  auto model = load_hf_model(data("models/llama_gqa"));
  Tensor& q = model->layers()[0].q_proj.weight;
  q.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<TokenizedExample> examples{{{1, 2, 3, 4}, {1, 2, 3, 4}}};
  try {
    const EvalResult r = evaluate_loss(*model, examples);
    FAIL() << "expected an error, got loss " << r.loss;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the loss is not finite"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hone
