// LoRA, rsLoRA with rank/alpha patterns, and DoRA attached to a small Llama match PyTorch's mirror
// of PEFT (tests/reference/golden_lora.py): logits, loss, and the gradient of every lora_A,
// lora_B and DoRA magnitude. The adapters are PEFT folders with non-zero B stored in F32, BF16
// and F16, so this also checks that PEFT-written files load into the right modules.
#include <gtest/gtest.h>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/model/hf_model.h"
#include "hone/peft/lora/model.h"
#include "peft/peft_test_data.h"
#include "support/golden.h"

namespace hone {
namespace {

using testing::expect_close;
using testing::Golden;

class LoraGolden : public ::testing::TestWithParam<testing::PeftCase> {};

TEST_P(LoraGolden, LogitsLossAndAdapterGradientsMatchPyTorch) {
  const testing::PeftCase c = GetParam();
  Golden g(std::string("lora_") + c.adapter);
  auto model = load_hf_model(testing::model_dir(c.model));
  LoraModel lora = LoraModel::load(*model, testing::peft_dir(c.adapter));
  const Tensor ids = g.get("ids");
  {
    NoGradGuard no_grad;
    // f32 through two layers and the vocabulary projection, as in the model goldens.
    expect_close(model->logits(model->hidden_states(ids)), g.get("logits"), 2e-5, 2e-4, std::string(c.adapter) + " logits");
  }
  const Tensor loss = model->loss(ids, g.get("labels"));
  EXPECT_NEAR(loss.item(), g.get("loss").item(), 2e-5) << c.adapter;
  backward(loss);
  int checked = 0;
  for (const auto& [key, tensor] : lora.peft_tensors()) {
    ASSERT_TRUE(g.has("grad." + key)) << key;
    ASSERT_TRUE(tensor.grad().defined()) << key << " got no gradient";
    // Gradients are O(1e-2); agreement to 1e-3 relative is f32 accumulation-order noise.
    expect_close(tensor.grad(), g.get("grad." + key), 2e-6, 2e-3, std::string(c.adapter) + " grad " + key);
    ++checked;
  }
  // Every adapter tensor PyTorch has a gradient for was compared.
  int expected = 0;
  const auto golden_file = SafetensorsFile::open(std::string(HONE_GOLDEN_DIR) + "/lora_" + c.adapter + ".safetensors");
  for (const auto& e : golden_file.entries()) expected += e.name.rfind("grad.", 0) == 0;
  EXPECT_EQ(checked, expected);
  // Frozen base weights never get gradients.
  for (auto& [name, p] : model->named_parameters()) EXPECT_FALSE(p->grad().defined()) << name;
}

INSTANTIATE_TEST_SUITE_P(Adapters, LoraGolden, ::testing::ValuesIn(testing::kPeftCases),
                         [](const auto& info) { return std::string(info.param.adapter); });

}  // namespace
}  // namespace hone
