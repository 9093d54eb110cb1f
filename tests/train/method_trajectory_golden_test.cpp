// BitFit and LN-tuning trained by the trainer equal PyTorch: 10 AdamW steps (clipping at 1.0, no
// decay on 1-D tensors) on the padded batch of tests/data/train/full_ft.jsonl give the losses,
// gradient norms and final tensors of tests/reference/golden_bitfit.py / golden_ln_tuning.py;
// the run's adapter folder loads back to the trained values.
#include <gtest/gtest.h>

#include <filesystem>

#include "hone/io/safetensors.h"
#include "hone/train/trainer.h"
#include "support/golden.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

struct TrajectoryCase {
  const char* golden;
  const char* method;
  std::map<std::string, std::string> keys;  // the method's recipe section
};

class MethodTrajectory : public ::testing::TestWithParam<TrajectoryCase> {};

TEST_P(MethodTrajectory, TenAdamWStepsMatchPyTorch) {
  const TrajectoryCase c = GetParam();
  testing::Golden g(c.golden);
  const std::string out = (fs::temp_directory_path() / ("hone_traj_" + std::string(c.method) + "_" +
                                                         std::to_string(::getpid())))
                              .string();
  TrainRecipe r;
  r.model = std::string(HONE_TEST_DATA_DIR) + "/models/llama_gqa";
  r.data = std::string(HONE_TEST_DATA_DIR) + "/train/full_ft.jsonl";
  r.format = "tokens";
  r.method = c.method;
  apply_overrides(r, c.keys);
  r.seq_len = 16;
  r.batch_size = 3;
  r.max_steps = 10;
  r.lr = 1e-2;
  r.weight_decay = 0.01;  // 1-D tensors are never decayed, as in the golden
  r.max_grad_norm = 1.0;
  r.precision = "f32";  // the golden is PyTorch in f32 (auto would pick bf16 on a CPU with bf16)
  r.out = out;
  r.overwrite = true;
  std::vector<double> losses, norms;
  TrainerCallbacks cb;
  cb.on_step = [&](const StepMetrics& m) {
    losses.push_back(m.loss);
    norms.push_back(m.grad_norm);
  };
  Trainer trainer(r, cb);
  trainer.run();
  const auto want_loss = g.get("trajectory.loss").to_doubles();
  const auto want_norm = g.get("trajectory.grad_norm").to_doubles();
  ASSERT_EQ(losses.size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_NEAR(losses[i], want_loss[i], 2e-4 * want_loss[i]) << "step " << i;
    EXPECT_NEAR(norms[i], want_norm[i], 2e-3 * want_norm[i]) << "step " << i;
  }
  // The final adapter holds the trained tensors under PEFT's keys.
  const SafetensorsFile f = SafetensorsFile::open(out + "/adapter/adapter_model.safetensors");
  int checked = 0;
  for (const auto& e : f.entries()) {
    testing::expect_close(f.get(e.name), g.get("trained." + e.name), 2e-5, 2e-3, "trained " + e.name);
    ++checked;
  }
  int expected = 0;
  const auto golden_file = SafetensorsFile::open(std::string(HONE_GOLDEN_DIR) + "/" + c.golden + ".safetensors");
  for (const auto& e : golden_file.entries()) expected += e.name.rfind("trained.", 0) == 0;
  EXPECT_EQ(checked, expected);
  fs::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Methods, MethodTrajectory,
                         ::testing::Values(TrajectoryCase{"bitfit_all_linear", "bitfit", {{"bitfit.target_modules", "all-linear"}}},
                                           TrajectoryCase{"ln_tuning", "ln_tuning", {}}),
                         [](const auto& info) { return std::string(info.param.method); });

}  // namespace
}  // namespace hone
