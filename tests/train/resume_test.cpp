// Resuming: a run stopped at a checkpoint and resumed yields the same losses, bit for bit, as
// one that never stopped (LoRA with dropout and shuffling, so RNG and data position matter);
// raising max_steps continues an ended run; Ctrl-C writes a checkpoint.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hone/train/interrupt.h"
#include "hone/train/trainer.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

TrainRecipe lora_recipe(const std::string& out, int64_t max_steps) {
  TrainRecipe r;
  r.model = std::string(HONE_TEST_DATA_DIR) + "/models/llama_gqa";
  r.data = std::string(HONE_TEST_DATA_DIR) + "/train/full_ft.jsonl";
  r.format = "tokens";
  r.method = "lora";
  r.lora.r = 4;
  r.lora.alpha = 8;
  r.lora.dropout = 0.2;
  r.lora.target_modules = {"all-linear"};
  r.seq_len = 16;
  r.batch_size = 1;
  r.grad_accum = 2;
  r.max_steps = max_steps;
  r.lr = 5e-3;
  r.schedule = "cosine";
  r.warmup_steps = 2;
  r.seed = 7;
  r.save_every = 3;
  r.out = out;
  r.overwrite = true;
  return r;
}

std::vector<double> run_losses(TrainRecipe recipe, int64_t stop_after = -1) {
  std::vector<double> losses;
  TrainerCallbacks cb;
  cb.on_step = [&](const StepMetrics& m) {
    losses.push_back(m.loss);
    if (m.step == stop_after) set_interrupt_requested(true);
  };
  Trainer trainer(recipe, cb);
  const TrainResult r = trainer.run();
  set_interrupt_requested(false);
  EXPECT_EQ(r.interrupted, stop_after > 0);
  return losses;
}

std::string temp_run(const std::string& tag) {
  return (fs::temp_directory_path() / ("hone_resume_" + tag + "_" + std::to_string(::getpid()))).string();
}

TEST(Resume, StoppedAndResumedEqualsUninterrupted) {
  const std::string a = temp_run("a"), b = temp_run("b");
  const auto straight = run_losses(lora_recipe(a, 8));
  ASSERT_EQ(straight.size(), 8u);

  const auto first = run_losses(lora_recipe(b, 8), /*stop_after=*/4);  // Ctrl-C during step 4
  ASSERT_EQ(first.size(), 4u);
  EXPECT_TRUE(fs::exists(b + "/checkpoints/step-4/adapter_model.safetensors"));
  EXPECT_TRUE(fs::exists(b + "/checkpoints/step-4/optimizer.safetensors"));
  EXPECT_FALSE(fs::exists(b + "/adapter"));  // interrupted: no final artifact

  TrainRecipe again = lora_recipe(b, 8);
  again.overwrite = false;
  again.resume = true;
  const auto rest = run_losses(again);
  ASSERT_EQ(rest.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(first[i], straight[i]) << "step " << i + 1;
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(rest[i], straight[i + 4]) << "step " << i + 5;  // bit for bit
  EXPECT_TRUE(fs::exists(b + "/adapter/adapter_config.json"));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(Resume, RaisingMaxStepsContinuesAnEndedRun) {
  const std::string dir = temp_run("raise");
  TrainRecipe r = lora_recipe(dir, 3);
  r.schedule = "constant";
  r.warmup_steps = 0;
  run_losses(r);
  r.max_steps = 5;
  r.resume = true;
  r.overwrite = false;
  const auto more = run_losses(r);
  EXPECT_EQ(more.size(), 2u);
  std::ifstream metrics(dir + "/metrics.jsonl");
  int steps = 0;
  for (std::string line; std::getline(metrics, line);)
    if (line.find("\"loss\"") != std::string::npos) ++steps;
  EXPECT_EQ(steps, 5);
  fs::remove_all(dir);
}

TEST(RunFolder, RefusesAnotherRunWithoutOverwrite) {
  const std::string dir = temp_run("refuse");
  TrainRecipe r = lora_recipe(dir, 1);
  run_losses(r);
  r.overwrite = false;
  try {
    Trainer t(r);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--overwrite"), std::string::npos) << e.what();
  }
  r.resume = true;
  r.max_steps = 1;
  EXPECT_NO_THROW(Trainer(r).run());
  const std::string empty = temp_run("empty");
  TrainRecipe nothing = lora_recipe(empty, 1);
  nothing.overwrite = false;
  nothing.resume = true;
  EXPECT_THROW(Trainer{nothing}, Error);
  fs::remove_all(dir);
  fs::remove_all(empty);
}

}  // namespace
}  // namespace hone
