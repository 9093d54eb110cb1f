// Full fine-tuning through the trainer equals PyTorch: 10 AdamW steps on a padded batch (loss
// per scored token, no decay on norms, clipping) give the same losses, gradient norms and final
// weights as tests/reference/golden_models.py's full_finetune_trajectory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hone/io/safetensors.h"
#include "hone/train/trainer.h"
#include "support/golden.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

std::string temp_run(const std::string& tag) {
  return (fs::temp_directory_path() / ("hone_train_" + tag + "_" + std::to_string(::getpid()))).string();
}

TrainRecipe full_ft_recipe(const std::string& out) {
  TrainRecipe r;
  r.model = std::string(HONE_TEST_DATA_DIR) + "/models/llama_gqa";
  r.data = std::string(HONE_TEST_DATA_DIR) + "/train/full_ft.jsonl";
  r.format = "tokens";
  r.method = "full";
  r.seq_len = 16;
  r.batch_size = 3;  // the whole dataset in every step: the order of rows cannot matter
  r.max_steps = 10;
  r.lr = 1e-3;
  r.weight_decay = 0.01;
  r.max_grad_norm = 1.0;
  r.schedule = "constant";
  r.out = out;
  r.overwrite = true;
  r.precision = "f32";  // the golden is PyTorch in f32 (auto would pick bf16 on a CPU with bf16)
  return r;
}

TEST(FullFinetune, TenAdamWStepsMatchPyTorch) {
  testing::Golden g("train_full_llama_gqa");
  const std::string out = temp_run("full");
  std::vector<double> losses, norms;
  TrainerCallbacks cb;
  cb.on_step = [&](const StepMetrics& m) {
    losses.push_back(m.loss);
    norms.push_back(m.grad_norm);
  };
  Trainer trainer(full_ft_recipe(out), cb);
  trainer.run();
  const auto want_loss = g.get("loss").to_doubles();
  const auto want_norm = g.get("grad_norm").to_doubles();
  ASSERT_EQ(losses.size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    // Identical math in f32; differences are summation order, compounded through 10 updates.
    EXPECT_NEAR(losses[i], want_loss[i], 2e-4 * want_loss[i]) << "step " << i;
    EXPECT_NEAR(norms[i], want_norm[i], 2e-3 * want_norm[i]) << "step " << i;
  }
  for (auto& [name, p] : trainer.model().named_parameters())
    testing::expect_close(*p, g.get("final." + name), 2e-5, 2e-3, "final " + name);
  // The run folder has the final model as a Hugging Face folder.
  EXPECT_TRUE(fs::exists(out + "/model/config.json"));
  EXPECT_TRUE(fs::exists(out + "/model/model.safetensors"));
  fs::remove_all(out);
}

}  // namespace
}  // namespace hone
