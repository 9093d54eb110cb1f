// The small registered methods loaded through load_adapter match their PyTorch goldens
// (tests/reference/golden_bitfit.py, golden_ln_tuning.py): logits, loss and the gradient of
// every trainable tensor on llama_gqa; base weights get no gradient. Merging keeps the outputs
// and unloading restores the base's.
#include <gtest/gtest.h>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/model/hf_model.h"
#include "hone/peft/peft_folder.h"
#include "hone/peft/registry.h"
#include "peft/peft_test_data.h"
#include "support/golden.h"

namespace hone {
namespace {

using testing::expect_close;

struct MethodCase {
  const char* adapter;  // tests/data/peft/<adapter> and tests/golden/<adapter>
  const char* method;
};
const MethodCase kCases[] = {{"bitfit_all_linear", "bitfit"}, {"ln_tuning", "ln_tuning"}};

class RegisteredMethodGolden : public ::testing::TestWithParam<MethodCase> {};

TEST_P(RegisteredMethodGolden, LogitsLossAndGradientsMatchPyTorch) {
  const MethodCase c = GetParam();
  testing::Golden g(c.adapter);
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  // Base weights are frozen: only the method's tensors may get gradients.
  for (auto& [name, p] : model->named_parameters()) p->set_requires_grad(false);
  const std::unique_ptr<Adapter> adapter = load_adapter(*model, testing::peft_dir(c.adapter));
  EXPECT_EQ(adapter->method().name, c.method);
  const Tensor ids = g.get("ids");
  {
    NoGradGuard no_grad;
    expect_close(model->logits(model->hidden_states(ids)), g.get("logits"), 2e-5, 2e-4, std::string(c.adapter) + " logits");
  }
  const Tensor loss = model->loss(ids, g.get("labels"));
  EXPECT_NEAR(loss.item(), g.get("loss").item(), 2e-5) << c.adapter;
  backward(loss);
  int checked = 0;
  for (const auto& [name, t] : adapter->trainable_tensors()) {
    const std::string key = kPeftKeyPrefix + name;
    ASSERT_TRUE(g.has("grad." + key)) << key;
    ASSERT_TRUE(t.grad().defined()) << key << " got no gradient";
    expect_close(t.grad(), g.get("grad." + key), 2e-6, 2e-3, std::string(c.adapter) + " grad " + key);
    ++checked;
  }
  int expected = 0;
  const auto golden_file = SafetensorsFile::open(std::string(HONE_GOLDEN_DIR) + "/" + c.adapter + ".safetensors");
  for (const auto& e : golden_file.entries()) expected += e.name.rfind("grad.", 0) == 0;
  EXPECT_EQ(checked, expected);
}

Tensor probe_logits(DecoderModel& model) {
  NoGradGuard no_grad;
  const Tensor ids = Tensor::from_ints({2, 6}, std::vector<int32_t>{3, 7, 11, 40, 80, 2, 1, 9, 27, 63, 64, 5});
  return model.logits(model.hidden_states(ids));
}

TEST_P(RegisteredMethodGolden, UnloadRestoresTheBaseOutputs) {
  const MethodCase c = GetParam();
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  const Tensor base = probe_logits(*model);
  const std::unique_ptr<Adapter> adapter = load_adapter(*model, testing::peft_dir(c.adapter));
  const auto with = probe_logits(*model).to_doubles(), b = base.to_doubles();
  double moved = 0;
  for (size_t i = 0; i < b.size(); ++i) moved = std::max(moved, std::abs(b[i] - with[i]));
  EXPECT_GT(moved, 1e-2) << "the adapter should change the outputs";
  adapter->unload();
  EXPECT_EQ(probe_logits(*model).to_doubles(), b);
}

INSTANTIATE_TEST_SUITE_P(Methods, RegisteredMethodGolden, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.adapter); });

}  // namespace
}  // namespace hone
