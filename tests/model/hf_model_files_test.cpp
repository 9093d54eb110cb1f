// Loading checks and saving: a missing or mis-shaped tensor is a clear error naming it; extra
// tensors are reported; save -> load gives the same model.
#include <gtest/gtest.h>

#include <filesystem>

#include "hone/autograd/grad_mode.h"
#include "hone/io/safetensors.h"
#include "hone/model/hf_model.h"
#include "hone/util/atomic_file.h"
#include "support/golden.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

std::string model_dir(const std::string& name) { return std::string(HONE_TEST_DATA_DIR) + "/models/" + name; }

// A copy of llama_gqa whose weights went through `edit` first.
std::string edited_copy(const std::string& tag, const std::function<void(NamedTensors&)>& edit) {
  const fs::path dir = fs::temp_directory_path() / ("hone_model_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(model_dir("llama_gqa") + "/config.json", dir / "config.json");
  const SafetensorsFile src = SafetensorsFile::open(model_dir("llama_gqa") + "/model.safetensors");
  NamedTensors tensors;
  for (const auto& e : src.entries()) tensors.emplace_back(e.name, src.get(e.name).clone());
  edit(tensors);
  save_safetensors((dir / "model.safetensors").string(), tensors);
  return dir.string();
}

void expect_error_mentions(const std::function<void()>& fn, const std::vector<std::string>& needles) {
  try {
    fn();
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
}

TEST(HfModelFiles, MissingTensorIsNamed) {
  const auto dir = edited_copy("missing", [](NamedTensors& t) {
    t.erase(std::remove_if(t.begin(), t.end(), [](auto& p) { return p.first == "model.layers.1.mlp.up_proj.weight"; }), t.end());
  });
  expect_error_mentions([&] { load_hf_model(dir); }, {"missing tensor", "model.layers.1.mlp.up_proj.weight"});
  fs::remove_all(dir);
}

TEST(HfModelFiles, WrongShapeIsNamed) {
  const auto dir = edited_copy("shape", [](NamedTensors& t) {
    for (auto& [name, tensor] : t)
      if (name == "model.layers.0.self_attn.k_proj.weight") tensor = Tensor::zeros({8, 32});
  });
  expect_error_mentions([&] { load_hf_model(dir); }, {"model.layers.0.self_attn.k_proj.weight", "[8, 32]", "[16, 32]"});
  fs::remove_all(dir);
}

TEST(HfModelFiles, ExtraTensorsAreReported) {
  const auto dir = edited_copy("extra", [](NamedTensors& t) {
    t.emplace_back("model.layers.0.self_attn.rotary_emb.inv_freq", Tensor::zeros({4}));
  });
  LoadReport report;
  load_hf_model(dir, {}, &report);
  ASSERT_EQ(report.unexpected_tensors.size(), 1u);
  EXPECT_EQ(report.unexpected_tensors[0], "model.layers.0.self_attn.rotary_emb.inv_freq");
  fs::remove_all(dir);
}

TEST(HfModelFiles, SaveThenLoadGivesTheSameLogits) {
  auto model = load_hf_model(model_dir("qwen2"));
  const fs::path out = fs::temp_directory_path() / ("hone_model_saved_" + std::to_string(::getpid()));
  save_hf_model(*model, out.string());
  auto again = load_hf_model(out.string());
  EXPECT_EQ(again->config().qkv_bias, true);
  EXPECT_EQ(again->config().tie_word_embeddings, true);
  NoGradGuard no_grad;
  const Tensor ids = testing::Golden("model_qwen2").get("ids");
  EXPECT_EQ(model->logits(model->hidden_states(ids)).to_doubles(), again->logits(again->hidden_states(ids)).to_doubles());
  fs::remove_all(out);
}

}  // namespace
}  // namespace hone
