// LN-tuning through the registry: PEFT's default targets, trainable f32 copies of the norms, the
// PEFT folder round trip (keys "...ln_tuning_layers.weight", LNTuningConfig fields), merge that
// keeps the outputs, and refusals that name the file and key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hone/autograd/grad_mode.h"
#include "hone/io/safetensors.h"
#include "hone/model/hf_model.h"
#include "hone/peft/registry.h"
#include "hone/util/atomic_file.h"
#include "peft/peft_test_data.h"
#include "support/error_text.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& tag) {
  return (fs::temp_directory_path() / ("hone_ln_" + tag + "_" + std::to_string(::getpid()))).string();
}

Tensor probe_logits(DecoderModel& model) {
  NoGradGuard no_grad;
  const Tensor ids = Tensor::from_ints({1, 5}, std::vector<int32_t>{3, 7, 11, 40, 80});
  return model.logits(model.hidden_states(ids));
}

TEST(LnTuning, AttachesTrainableCopiesOfPeftsDefaultNorms) {
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  const Tensor base = probe_logits(*model);
  const auto adapter = attach_adapter("ln_tuning", *model, nullptr, {});
  const NamedTensors t = adapter->trainable_tensors();
  ASSERT_EQ(t.size(), 5u);  // two per layer and the final norm
  EXPECT_EQ(t[0].first, "model.layers.0.input_layernorm.ln_tuning_layers.weight");
  EXPECT_EQ(t.back().first, "model.norm.ln_tuning_layers.weight");
  for (const auto& [name, tensor] : t) EXPECT_TRUE(tensor.requires_grad()) << name;
  EXPECT_EQ(adapter->trainable_parameter_count(), 5 * 32);
  EXPECT_EQ(probe_logits(*model).to_doubles(), base.to_doubles());  // a fresh copy changes nothing
}

// Gives every trainable tensor distinct values away from the base's.
void perturb(const Adapter& adapter) {
  int i = 0;
  for (const auto& [name, t] : adapter.trainable_tensors()) {
    Tensor target = t;
    float* p = target.data<float>();
    for (int64_t j = 0; j < target.numel(); ++j) p[j] *= float(1.0 + 0.01 * double((i++ % 37) - 18));
  }
}

TEST(LnTuning, SavesPeftsFolderAndLoadsItBack) {
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  AttachOptions attach;
  attach.base_model = "base/m";
  const std::unique_ptr<Adapter> adapter = attach_adapter("ln_tuning", *model, nullptr, attach);
  perturb(*adapter);
  const Tensor trained = probe_logits(*model);
  const std::string dir = temp_dir("save");
  adapter->save(dir);
  const auto config = nlohmann::json::parse(read_file(dir + "/adapter_config.json"));
  EXPECT_EQ(config["peft_type"], "LN_TUNING");
  EXPECT_EQ(config["task_type"], "CAUSAL_LM");
  EXPECT_EQ(config["base_model_name_or_path"], "base/m");
  EXPECT_EQ(config["target_modules"], (nlohmann::json{"input_layernorm", "post_attention_layernorm", "norm"}));
  EXPECT_TRUE(config.contains("exclude_modules") && config["exclude_modules"].is_null());
  const SafetensorsFile file = SafetensorsFile::open(dir + "/adapter_model.safetensors");
  EXPECT_TRUE(file.contains("base_model.model.model.layers.1.post_attention_layernorm.ln_tuning_layers.weight"));
  EXPECT_TRUE(file.contains("base_model.model.model.norm.ln_tuning_layers.weight"));
  EXPECT_EQ(file.entries().size(), 5u);

  auto fresh = load_hf_model(testing::model_dir("llama_gqa"));
  const std::unique_ptr<Adapter> loaded = load_adapter(*fresh, dir);
  EXPECT_EQ(loaded->method().name, "ln_tuning");
  EXPECT_EQ(probe_logits(*fresh).to_doubles(), trained.to_doubles());
  fs::remove_all(dir);
}

TEST(LnTuning, MergeKeepsTheTrainedNormsAsFrozenWeights) {
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  const std::unique_ptr<Adapter> adapter = load_adapter(*model, testing::peft_dir("ln_tuning"));
  const Tensor unmerged = probe_logits(*model);
  const Tensor trained_final = adapter->trainable_tensors().back().second.clone();
  adapter->merge_and_unload();
  EXPECT_TRUE(adapter->trainable_tensors().empty());
  EXPECT_EQ(probe_logits(*model).to_doubles(), unmerged.to_doubles());
  EXPECT_EQ(model->final_norm().to_doubles(), trained_final.to_doubles());
  EXPECT_FALSE(model->final_norm().requires_grad());
}

void write_folder(const std::string& dir, const nlohmann::json& config, const NamedTensors& tensors) {
  fs::create_directories(dir);
  std::ofstream(dir + "/adapter_config.json") << config.dump(2);
  save_safetensors(dir + "/adapter_model.safetensors", tensors, {{"format", "pt"}});
}

TEST(LnTuning, ReadsPeftsDefaultTargetsAndRefusesWhatItCannotApply) {
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  const Tensor base = probe_logits(*model);
  NamedTensors norms;
  for (auto& [name, t] : model->named_parameters())
    if (name.find("norm") != std::string::npos)
      norms.emplace_back("base_model.model." + name.substr(0, name.size() - 7) + ".ln_tuning_layers.weight", t->clone());
  const std::string dir = temp_dir("peft");
  // target_modules null: PEFT's own default for Llama models.
  write_folder(dir, {{"peft_type", "LN_TUNING"}, {"target_modules", nullptr}}, norms);
  EXPECT_EQ(load_adapter(*model, dir)->module_count(), 5);
  model = load_hf_model(testing::model_dir("llama_gqa"));

  write_folder(dir, {{"peft_type", "LN_TUNING"}, {"target_modules", {"norm"}}}, norms);
  EXPECT_NE(testing::error_text([&] { load_adapter(*model, dir); }).find("'base_model.model.model.layers.0.input_layernorm"
                                                                            ".ln_tuning_layers.weight' matches no targeted module"),
            std::string::npos);
  write_folder(dir, {{"peft_type", "LN_TUNING"}, {"modules_to_save", {"lm_head"}}}, norms);
  EXPECT_NE(testing::error_text([&] { load_adapter(*model, dir); }).find("adapter_config.json: \"modules_to_save\""),
            std::string::npos);
  NamedTensors wrong = norms;
  wrong[0].second = Tensor::zeros({31});
  write_folder(dir, {{"peft_type", "LN_TUNING"}}, wrong);
  EXPECT_NE(testing::error_text([&] { load_adapter(*model, dir); }).find("has shape [31]"), std::string::npos);
  // Every failed load left the model as it was.
  EXPECT_EQ(probe_logits(*model).to_doubles(), base.to_doubles());
  for (auto& [name, t] : model->named_parameters()) EXPECT_FALSE(t->requires_grad()) << name;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hone
