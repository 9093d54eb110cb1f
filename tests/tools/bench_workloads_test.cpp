// `hone bench`'s training workloads step through the trainer's TrainStep: the record still
// carries the three phases PyTorch's reference times (forward with the loss, backward, optimizer),
// a first loss near ln(vocab) on random weights, and a loss that falls on the repeated batch.
#include <gtest/gtest.h>

#include <cmath>

#include "hone/tools/bench_workloads.h"

namespace hone {
namespace {

TEST(BenchWorkloads, TrainingStepsReportThePhasesOfTheTrainersStep) {
  BenchOptions o;
  o.shape = "tiny";
  o.batch = 1;
  o.seq = 32;
  o.warmup = 1;
  o.steps = 3;
  for (const bool lora : {true, false}) {
    const nlohmann::ordered_json r = bench_train(o, lora);
    SCOPED_TRACE(lora ? "lora" : "full");
    EXPECT_EQ(r["mode"], lora ? "lora" : "full");
    EXPECT_GT(r["step_time_s"]["median"].get<double>(), 0);
    const auto& phases = r["phase_median_s"];
    for (const char* phase : {"forward_loss", "backward", "optimizer"}) EXPECT_GT(phases[phase].get<double>(), 0) << phase;
    EXPECT_NEAR(r["loss_first"].get<double>(), std::log(8192.0), 0.5);
    EXPECT_LT(r["loss_last"].get<double>(), r["loss_first"].get<double>());
    EXPECT_NEAR(r["tokens_per_s"].get<double>(), 32.0 / r["step_time_s"]["median"].get<double>(), 1e-6);
  }
}

}  // namespace
}  // namespace hone
