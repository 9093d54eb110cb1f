// BitFit through the registry: zero biases added where the model has none (outputs unchanged),
// existing biases trained from their values, the folder round trip (hone's BITFIT config with
// PEFT's bias keys), merge where the base has the biases, and a clear refusal where a merged
// folder could not declare them.
#include <gtest/gtest.h>

#include <filesystem>

#include "hone/autograd/grad_mode.h"
#include "hone/model/hf_model.h"
#include "hone/peft/bitfit/config.h"
#include "hone/peft/registry.h"
#include "hone/util/atomic_file.h"
#include "peft/peft_test_data.h"
#include "support/error_text.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

Tensor probe_logits(DecoderModel& model) {
  NoGradGuard no_grad;
  const Tensor ids = Tensor::from_ints({1, 5}, std::vector<int32_t>{3, 7, 11, 40, 80});
  return model.logits(model.hidden_states(ids));
}

TEST(Bitfit, AddsZeroBiasesToTheAttentionProjectionsByDefault) {
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  const Tensor base = probe_logits(*model);
  const auto adapter = attach_adapter("bitfit", *model, nullptr, {});
  const NamedTensors t = adapter->trainable_tensors();
  ASSERT_EQ(t.size(), 8u);  // q, k, v, o in two layers
  EXPECT_EQ(t[0].first, "model.layers.0.self_attn.q_proj.bias");
  for (const auto& [name, tensor] : t) {
    EXPECT_TRUE(tensor.requires_grad()) << name;
    for (const double v : tensor.to_doubles()) ASSERT_EQ(v, 0.0) << name;
  }
  EXPECT_EQ(probe_logits(*model).to_doubles(), base.to_doubles());
  adapter->unload();
  for (LinearModule* m : model->linear_modules()) EXPECT_FALSE(m->bias.defined()) << m->name;
}

TEST(Bitfit, StartsFromTheModelsOwnBiases) {
  auto model = load_hf_model(testing::model_dir("llama_bias_linear_headdim"));
  const Tensor q_bias = model->layers()[0].q_proj.bias.clone();
  BitfitConfig config;
  config.target_modules = {"all-linear"};
  const auto adapter = attach_adapter("bitfit", *model, &config, {});
  EXPECT_EQ(adapter->module_count(), 14);
  EXPECT_EQ(adapter->trainable_tensors()[0].second.to_doubles(), q_bias.to_doubles());
}

TEST(Bitfit, SavesItsFolderAndLoadsItBack) {
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  BitfitConfig config;
  config.target_modules = {"o_proj", "mlp.down_proj"};
  AttachOptions attach;
  attach.base_model = "base/m";
  const auto adapter = attach_adapter("bitfit", *model, &config, attach);
  for (const auto& [name, t] : adapter->trainable_tensors()) {
    Tensor target = t;
    for (int64_t i = 0; i < target.numel(); ++i) target.data<float>()[i] = float(0.01 * double(i % 7) - 0.02);
  }
  const Tensor trained = probe_logits(*model);
  const std::string dir = (fs::temp_directory_path() / ("hone_bitfit_" + std::to_string(::getpid()))).string();
  adapter->save(dir);
  const auto json = nlohmann::json::parse(read_file(dir + "/adapter_config.json"));
  EXPECT_EQ(json["peft_type"], "BITFIT");
  EXPECT_EQ(json["bias"], "all");
  EXPECT_EQ(json["base_model_name_or_path"], "base/m");
  EXPECT_EQ(json["target_modules"], (nlohmann::json{"o_proj", "mlp.down_proj"}));
  const SafetensorsFile file = SafetensorsFile::open(dir + "/adapter_model.safetensors");
  EXPECT_EQ(file.entries().size(), 4u);
  EXPECT_TRUE(file.contains("base_model.model.model.layers.1.mlp.down_proj.bias"));

  auto fresh = load_hf_model(testing::model_dir("llama_gqa"));
  const auto loaded = load_adapter(*fresh, dir);
  EXPECT_EQ(loaded->method().name, "bitfit");
  EXPECT_EQ(probe_logits(*fresh).to_doubles(), trained.to_doubles());
  fs::remove_all(dir);
}

TEST(Bitfit, MergesWhereTheBaseHasTheBiasesAndRefusesElsewhere) {
  auto model = load_hf_model(testing::model_dir("llama_bias_linear_headdim"));
  const auto adapter = attach_adapter("bitfit", *model, nullptr, {});
  Tensor q = adapter->trainable_tensors()[0].second;
  q.data<float>()[0] += 0.5f;
  const Tensor unmerged = probe_logits(*model);
  adapter->merge_and_unload();
  EXPECT_EQ(probe_logits(*model).to_doubles(), unmerged.to_doubles());
  EXPECT_FALSE(model->layers()[0].q_proj.bias.requires_grad());

  auto plain = load_hf_model(testing::model_dir("llama_gqa"));
  const auto added = load_adapter(*plain, testing::peft_dir("bitfit_all_linear"));
  const Tensor before = probe_logits(*plain);
  EXPECT_NE(testing::error_text([&] { added->merge_and_unload(); })
                .find("model.layers.0.self_attn.q_proj.bias is a bias the base llama model does not have"),
            std::string::npos);
  EXPECT_EQ(probe_logits(*plain).to_doubles(), before.to_doubles());  // still attached, unchanged
}

TEST(Bitfit, TargetsThatMatchNothingAreAnError) {
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  BitfitConfig config;
  config.target_modules = {"c_attn"};
  EXPECT_NE(testing::error_text([&] { attach_adapter("bitfit", *model, &config, {}); })
                .find("bitfit.target_modules matches no linear layer"),
            std::string::npos);
  config.target_modules.clear();
  EXPECT_NE(testing::error_text([&] { attach_adapter("bitfit", *model, &config, {}); })
                .find("bitfit.target_modules must not be empty"),
            std::string::npos);
}

}  // namespace
}  // namespace hone
