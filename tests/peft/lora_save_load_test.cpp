// The PEFT folder round trip: save writes exactly PEFT's files, keys, shapes, dtype and metadata,
// load gives back identical tensors and outputs, and every malformed folder (wrong shapes,
// missing or unexpected tensors, a config hone cannot honour) is one clear line naming the file
// and the tensor or key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "hone/autograd/grad_mode.h"
#include "hone/model/hf_model.h"
#include "hone/peft/lora/model.h"
#include "hone/util/atomic_file.h"
#include "hone/util/rng.h"
#include "io/temp_dir.h"
#include "peft/peft_test_data.h"
#include "support/golden.h"

namespace hone {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

Tensor ids() { return Tensor::from_ints({2, 5}, std::vector<int32_t>{1, 5, 9, 17, 33, 2, 4, 8, 60, 95}); }

Tensor logits(DecoderModel& model) {
  NoGradGuard no_grad;
  return model.logits(model.hidden_states(ids()));
}

// Fresh adapters with B made non-zero, so outputs depend on every tensor.
LoraModel attach_trained(DecoderModel& model, const LoraConfig& config) {
  LoraModel lora = LoraModel::attach(model, config, /*seed=*/1);
  uint64_t stream = 0;
  for (const auto& [module, adapter] : lora.adapters()) {
    Tensor& b = adapter->lora_B();
    const Rng rng(5, stream++);
    for (int64_t i = 0; i < b.numel(); ++i) b.data<float>()[i] = 0.2f * rng.normal(uint64_t(i));
  }
  return lora;
}

template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LoraSaveLoad, SavedFolderIsExactlyWhatPeftWrites) {
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  LoraConfig config;
  config.r = 8;
  config.alpha = 16;
  config.dropout = 0.05;
  config.target_modules = {"q_proj", "v_proj"};
  const LoraModel lora = attach_trained(*model, config);
  TempDir dir("peft_save");
  const std::string out = dir.file("adapter");
  lora.save(out);

  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(out)) files.insert(e.path().filename().string());
  EXPECT_EQ(files, (std::set<std::string>{"adapter_config.json", "adapter_model.safetensors"}));

  const SafetensorsFile file = SafetensorsFile::open(out + "/adapter_model.safetensors");
  EXPECT_EQ(file.metadata(), (std::map<std::string, std::string>{{"format", "pt"}}));
  // ../shared/reference/peft-format.md 3.4 for this model: q_proj 32 -> 32, v_proj 32 -> 16.
  std::map<std::string, Shape> expected;
  for (int layer = 0; layer < 2; ++layer) {
    const std::string p = "base_model.model.model.layers." + std::to_string(layer) + ".self_attn.";
    expected[p + "q_proj.lora_A.weight"] = Shape{8, 32};
    expected[p + "q_proj.lora_B.weight"] = Shape{32, 8};
    expected[p + "v_proj.lora_A.weight"] = Shape{8, 32};
    expected[p + "v_proj.lora_B.weight"] = Shape{16, 8};
  }
  std::map<std::string, Shape> found;
  for (const auto& e : file.entries()) {
    found[e.name] = e.shape;
    EXPECT_EQ(e.file_dtype, "F32") << e.name;
  }
  EXPECT_EQ(found, expected);

  const auto json = nlohmann::json::parse(read_file(out + "/adapter_config.json"));
  EXPECT_EQ(json["peft_type"], "LORA");
  EXPECT_EQ(json["task_type"], "CAUSAL_LM");
  EXPECT_EQ(json["r"], 8);
  EXPECT_EQ(json["lora_alpha"], 16);
  EXPECT_EQ(json["lora_dropout"], 0.05);
  EXPECT_EQ(json["target_modules"], nlohmann::json({"q_proj", "v_proj"}));
  EXPECT_EQ(json["inference_mode"], true);
  EXPECT_EQ(json["bias"], "none");
  EXPECT_EQ(json["fan_in_fan_out"], false);
  EXPECT_EQ(json["use_rslora"], false);
  EXPECT_EQ(json["use_dora"], false);
  EXPECT_EQ(json["init_lora_weights"], true);
  EXPECT_EQ(nlohmann::json(lora_config_to_peft_json(config)), json);
}

class LoraRoundTrip : public ::testing::TestWithParam<bool> {};

TEST_P(LoraRoundTrip, LoadGivesIdenticalTensorsAndOutputs) {
  const bool dora = GetParam();
  auto model = load_hf_model(testing::model_dir("llama_gqa"));
  LoraConfig config;
  config.r = 4;
  config.alpha = 8;
  config.target_modules = {"all-linear"};
  config.use_dora = dora;
  config.use_rslora = dora;
  config.rank_pattern = {{"down_proj", 2}};
  LoraModel lora = attach_trained(*model, config);
  if (dora) {  // magnitudes away from their initial row norms
    for (const auto& [module, adapter] : lora.adapters()) {
      Tensor& m = adapter->magnitude();
      for (int64_t i = 0; i < m.numel(); ++i) m.data<float>()[i] *= 1.0f + 0.01f * float(i % 7);
    }
  }
  const Tensor before = logits(*model);
  TempDir dir("peft_roundtrip");
  lora.save(dir.file("adapter"));

  auto fresh = load_hf_model(testing::model_dir("llama_gqa"));
  const LoraModel loaded = LoraModel::load(*fresh, dir.file("adapter"));
  const NamedTensors saved = lora.peft_tensors(), back = loaded.peft_tensors();
  ASSERT_EQ(saved.size(), back.size());
  for (size_t i = 0; i < saved.size(); ++i) {
    EXPECT_EQ(saved[i].first, back[i].first);
    EXPECT_EQ(saved[i].second.shape(), back[i].second.shape()) << saved[i].first;
    EXPECT_EQ(saved[i].second.to_doubles(), back[i].second.to_doubles()) << saved[i].first;
  }
  if (dora) {
    EXPECT_TRUE(SafetensorsFile::open(dir.file("adapter/adapter_model.safetensors"))
                    .contains("base_model.model.model.layers.1.mlp.down_proj.lora_magnitude_vector"));
  }
  EXPECT_EQ(loaded.adapters().size(), 14u);
  EXPECT_EQ(loaded.adapters().back().second->rank(), 2);  // down_proj from rank_pattern
  EXPECT_EQ(logits(*fresh).to_doubles(), before.to_doubles());
}

INSTANTIATE_TEST_SUITE_P(LoraAndDora, LoraRoundTrip, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? std::string("dora_rslora") : std::string("lora"); });

TEST(LoraSaveLoad, PeftFilesInF32Bf16AndF16LoadTheirExactValues) {
  const char* expected_dtype[] = {"F32", "BF16", "F16"};
  int i = 0;
  for (const testing::PeftCase& c : testing::kPeftCases) {
    auto model = load_hf_model(testing::model_dir(c.model));
    const LoraModel lora = LoraModel::load(*model, testing::peft_dir(c.adapter));
    const SafetensorsFile file = SafetensorsFile::open(testing::peft_dir(c.adapter) + "/adapter_model.safetensors");
    ASSERT_EQ(lora.peft_tensors().size(), file.entries().size()) << c.adapter;
    for (const auto& [key, t] : lora.peft_tensors()) {
      EXPECT_EQ(file.entry(key).file_dtype, expected_dtype[i]) << key;
      EXPECT_EQ(t.dtype(), DType::F32);  // trainable tensors are f32 whatever the file held
      EXPECT_EQ(t.to_doubles(), file.get(key).to(DType::F32).to_doubles()) << key;
    }
    ++i;
  }
}

// A valid saved adapter to break in one way per test.
class BrokenAdapter : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = load_hf_model(testing::model_dir("llama_gqa"));
    LoraConfig config;
    config.target_modules = {"q_proj", "v_proj"};
    LoraModel lora = attach_trained(*model_, config);
    lora.save(folder());
    tensors_ = lora.peft_tensors();
    lora.unload();
  }
  std::string folder() const { return dir_.file("adapter"); }
  std::string weights() const { return folder() + "/adapter_model.safetensors"; }
  void rewrite_weights(const NamedTensors& tensors) const { save_safetensors(weights(), tensors, {{"format", "pt"}}); }
  void edit_config(const std::function<void(nlohmann::json&)>& edit) const {
    auto json = nlohmann::json::parse(read_file(folder() + "/adapter_config.json"));
    edit(json);
    const std::string text = json.dump(2);
    write_file_atomically(folder() + "/adapter_config.json", text.data(), text.size());
  }
  // The load error, checked to be one line that names the folder.
  std::string load_error() {
    auto fresh = load_hf_model(testing::model_dir("llama_gqa"));
    const std::string message = error_of([&] { LoraModel::load(*fresh, folder()); });
    EXPECT_NE(message, "") << "load did not fail";
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find(folder()), std::string::npos) << message;
    // A failed load leaves no adapter attached.
    for (LinearModule* m : fresh->linear_modules()) EXPECT_TRUE(m->adapters.empty()) << m->name;
    return message;
  }

  TempDir dir_{"peft_broken"};
  std::unique_ptr<DecoderModel> model_;
  NamedTensors tensors_;
};

const char* kQ0B = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";

TEST_F(BrokenAdapter, WrongShapeNamesTheTensorAndTheShapeNeeded) {
  for (auto& [key, t] : tensors_)
    if (key == kQ0B) t = Tensor::zeros({32, 4});
  rewrite_weights(tensors_);
  const std::string message = load_error();
  EXPECT_NE(message.find(kQ0B), std::string::npos) << message;
  EXPECT_NE(message.find("has shape [32, 4]"), std::string::npos) << message;
  EXPECT_NE(message.find("[32, 8]"), std::string::npos) << message;
}

TEST_F(BrokenAdapter, WrongInputWidthOfANamesTheModule) {
  for (auto& [key, t] : tensors_)
    if (key == "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight") t = Tensor::zeros({8, 31});
  rewrite_weights(tensors_);
  const std::string message = load_error();
  EXPECT_NE(message.find("layers.1.self_attn.v_proj.lora_A.weight' has shape [8, 31]"), std::string::npos) << message;
  EXPECT_NE(message.find("must be [r, 32]"), std::string::npos) << message;
}

TEST_F(BrokenAdapter, MissingTensorIsNamed) {
  NamedTensors fewer;
  for (auto& [key, t] : tensors_)
    if (key != kQ0B) fewer.emplace_back(key, t);
  rewrite_weights(fewer);
  const std::string message = load_error();
  EXPECT_NE(message.find(std::string("missing tensor '") + kQ0B + "'"), std::string::npos) << message;
}

TEST_F(BrokenAdapter, UnexpectedTensorIsNamed) {
  tensors_.emplace_back("base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight", Tensor::zeros({8, 32}));
  rewrite_weights(tensors_);
  const std::string message = load_error();
  EXPECT_NE(message.find("'base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight' matches no LoRA module"),
            std::string::npos)
      << message;
}

TEST_F(BrokenAdapter, IntegerTensorIsRefused) {
  for (auto& [key, t] : tensors_)
    if (key == kQ0B) t = Tensor::zeros({32, 8}, DType::I32);
  rewrite_weights(tensors_);
  const std::string message = load_error();
  EXPECT_NE(message.find("is I32 (expected F32, F16 or BF16)"), std::string::npos) << message;
}

TEST_F(BrokenAdapter, PeftTypeOtherThanLoraIsRefused) {
  edit_config([](nlohmann::json& j) { j["peft_type"] = "IA3"; });
  EXPECT_NE(load_error().find("peft_type \"IA3\" is not supported"), std::string::npos);
}

TEST_F(BrokenAdapter, FanInFanOutIsRefused) {
  edit_config([](nlohmann::json& j) { j["fan_in_fan_out"] = true; });
  EXPECT_NE(load_error().find("\"fan_in_fan_out\" = true"), std::string::npos);
}

TEST_F(BrokenAdapter, TargetsMatchingNoModuleAreAnError) {
  edit_config([](nlohmann::json& j) { j["target_modules"] = {"c_attn"}; });
  EXPECT_NE(load_error().find("matches no linear layer"), std::string::npos);
}

TEST_F(BrokenAdapter, MissingFilesAndBadJsonAreNamed) {
  fs::remove(folder() + "/adapter_model.safetensors");
  EXPECT_NE(load_error().find("no adapter_model.safetensors"), std::string::npos);
  fs::remove(folder() + "/adapter_config.json");
  EXPECT_NE(load_error().find("no adapter_config.json"), std::string::npos);
  const std::string text = "{\"peft_type\": ";
  write_file_atomically(folder() + "/adapter_config.json", text.data(), text.size());
  rewrite_weights(tensors_);
  EXPECT_NE(load_error().find("adapter_config.json: not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace hone
