// Merging folds each adapter into its base weight (W + s B A; DoRA rescales the rows by m / ||.||)
// without changing the model's outputs, for LoRA, rsLoRA with patterns, and DoRA; unload
// restores the base model's outputs.
#include <gtest/gtest.h>

#include <limits>

#include "hone/autograd/grad_mode.h"
#include "hone/model/hf_model.h"
#include "hone/peft/lora/model.h"
#include "peft/peft_test_data.h"
#include "support/golden.h"

namespace hone {
namespace {

Tensor logits(DecoderModel& model) {
  NoGradGuard no_grad;
  const Tensor ids = Tensor::from_ints({2, 6}, std::vector<int32_t>{3, 7, 11, 40, 80, 2, 1, 9, 27, 63, 64, 5});
  return model.logits(model.hidden_states(ids));
}

class LoraMerge : public ::testing::TestWithParam<testing::PeftCase> {};

TEST_P(LoraMerge, MergedOutputsEqualUnmergedOutputs) {
  const testing::PeftCase c = GetParam();
  auto model = load_hf_model(testing::model_dir(c.model));
  const Tensor base = logits(*model);
  LoraModel lora = LoraModel::load(*model, testing::peft_dir(c.adapter));
  const Tensor unmerged = logits(*model);
  // The adapter matters: outputs moved well beyond the tolerance used below.
  double moved = 0;
  const auto b = base.to_doubles(), u = unmerged.to_doubles();
  for (size_t i = 0; i < b.size(); ++i) moved = std::max(moved, std::abs(b[i] - u[i]));
  EXPECT_GT(moved, 1e-2) << c.adapter;

  lora.merge_and_unload();
  EXPECT_TRUE(lora.adapters().empty());
  for (LinearModule* m : model->linear_modules()) EXPECT_TRUE(m->adapters.empty()) << m->name;
  // One f32 rounding of W + s B A per weight against the same sum done in the matmul order.
  testing::expect_close(logits(*model), unmerged, 1e-5, 1e-4, std::string(c.adapter) + " merged vs unmerged");
}

TEST_P(LoraMerge, UnloadRestoresTheBaseOutputs) {
  const testing::PeftCase c = GetParam();
  auto model = load_hf_model(testing::model_dir(c.model));
  const Tensor base = logits(*model);
  LoraModel lora = LoraModel::load(*model, testing::peft_dir(c.adapter));
  lora.unload();
  EXPECT_EQ(logits(*model).to_doubles(), base.to_doubles());
}

INSTANTIATE_TEST_SUITE_P(Adapters, LoraMerge, ::testing::ValuesIn(testing::kPeftCases),
                         [](const auto& info) { return std::string(info.param.adapter); });

TEST(LoraMerge, NonFiniteResultIsRefusedAndLeavesTheModelUnchanged) {
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  LoraConfig config;
  LoraModel lora = LoraModel::attach(*model, config, 1);
  const Tensor before = model->layers()[0].q_proj.weight.clone();
  lora.adapters().back().second->lora_B().data<float>()[0] = std::numeric_limits<float>::infinity();
  try {
    lora.merge_and_unload();
    ADD_FAILURE() << "merge accepted an infinite weight";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.1.self_attn.v_proj gives a non-finite weight"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(model->layers()[0].q_proj.weight.to_doubles(), before.to_doubles());
  EXPECT_EQ(lora.adapters().size(), 4u);
}

}  // namespace
}  // namespace hone
