// `hone train` end to end: flags-only and recipe runs leave the run folder the docs describe,
// another run's folder is refused without --overwrite, bad keys are one-line errors, and Ctrl-C
// finishes the step, writes a checkpoint and exits with 130; --resume then completes the run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/hone_cli.h"

namespace hone {
namespace {

namespace fs = std::filesystem;
using testing::run_hone;

std::string temp_dir(const std::string& tag) {
  return (fs::temp_directory_path() / ("hone_train_cli_" + tag + "_" + std::to_string(::getpid()))).string();
}

std::string base_flags(const std::string& out, int steps) {
  const std::string data = std::string(HONE_TEST_DATA_DIR);
  return "train --model '" + data + "/models/llama_gqa' --data '" + data + "/train/full_ft.jsonl' --format tokens" +
         " --lora.r 4 --lora.target_modules all-linear --seq_len 16 --batch_size 2 --lr 1e-2 --threads 1 --max_steps " +
         std::to_string(steps) + " --out '" + out + "'";
}

int count_lines_with(const std::string& path, const std::string& needle) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

TEST(TrainCli, FlagsOnlyRunLeavesTheRunFolder) {
  const std::string out = temp_dir("flags");
  const auto r = run_hone(base_flags(out, 3) + " --json --val_split 0.34", false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"steps\":3"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(out + "/config.yaml"));
  EXPECT_TRUE(fs::exists(out + "/adapter/adapter_config.json"));
  EXPECT_TRUE(fs::exists(out + "/adapter/adapter_model.safetensors"));
  EXPECT_TRUE(fs::exists(out + "/checkpoints/step-3/trainer_state.json"));
  EXPECT_EQ(count_lines_with(out + "/metrics.jsonl", "\"grad_norm\""), 3);
  EXPECT_GE(count_lines_with(out + "/metrics.jsonl", "\"eval_loss\""), 2);  // before and after

  const auto again = run_hone(base_flags(out, 3));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("--overwrite"), std::string::npos) << again.output;
  EXPECT_EQ(run_hone(base_flags(out, 3) + " --overwrite").exit_code, 0);
  fs::remove_all(out);
}

TEST(TrainCli, RecipeFileWithFlagOverrides) {
  const std::string out = temp_dir("recipe");
  const std::string recipe = out + ".yaml";
  const std::string data = std::string(HONE_TEST_DATA_DIR);
  std::ofstream(recipe) << "model: " << data << "/models/llama_gqa\ndata: " << data
                        << "/train/full_ft.jsonl\nformat: tokens\nmethod: full\nseq_len: 16\nmax_steps: 5\nout: " << out
                        << "\n";
  const auto r = run_hone("train '" + recipe + "' --max_steps 2 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(out + "/model/config.json"));
  EXPECT_EQ(count_lines_with(out + "/metrics.jsonl", "\"grad_norm\""), 2);
  std::ifstream config(out + "/config.yaml");
  std::string text((std::istreambuf_iterator<char>(config)), {});
  EXPECT_NE(text.find("max_steps: 2"), std::string::npos) << text;
  EXPECT_NE(text.find("method: full"), std::string::npos) << text;
  fs::remove_all(out);
  fs::remove(recipe);
}

TEST(TrainCli, BadKeysAndValuesAreOneLineErrors) {
  auto r = run_hone("train --lora.rank 8");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("unknown key 'lora.rank'"), std::string::npos) << r.output;
  r = run_hone("train --model m --data d --lora.r x");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("key 'lora.r': expected an integer"), std::string::npos) << r.output;
  r = run_hone("train --data d");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("key 'model'"), std::string::npos) << r.output;
}

TEST(TrainCli, CtrlCWritesACheckpointAndExits130ThenResumeFinishes) {
  const std::string out = temp_dir("sigint");
  const pid_t pid = testing::start_hone(base_flags(out, 100000) + " --log_every 1");
  ASSERT_GT(pid, 0);
  // Wait until a few steps are logged, then press Ctrl-C.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count_lines_with(out + "/metrics.jsonl", "\"grad_norm\"") < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  bool has_checkpoint = false;
  for (const auto& e : fs::directory_iterator(out + "/checkpoints")) has_checkpoint |= fs::exists(e.path() / "trainer_state.json");
  EXPECT_TRUE(has_checkpoint);
  EXPECT_FALSE(fs::exists(out + "/adapter"));
  const int logged = count_lines_with(out + "/metrics.jsonl", "\"grad_norm\"");
  // Resume with a small max_steps beyond what was done.
  const auto r = run_hone(base_flags(out, logged + 2) + " --resume");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resumed from"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(out + "/adapter/adapter_model.safetensors"));
  EXPECT_EQ(count_lines_with(out + "/metrics.jsonl", "\"grad_norm\""), logged + 2);
  fs::remove_all(out);
}

}  // namespace
}  // namespace hone
