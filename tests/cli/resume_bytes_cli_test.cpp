// Resuming across a process restart is exact (issue 11, item 15): a run that ends at step 3 and
// is continued by a second `hone train --resume` process to step 6 leaves the same bytes as one
// process running 6 steps — every file of the step-6 checkpoint (weights, optimizer state,
// trainer state) and the final adapter or model — for LoRA (with dropout and shuffling) and for
// full fine-tuning.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/hone_cli.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

std::string bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string flags(const std::string& method, const std::string& out, int steps) {
  const std::string data = HONE_TEST_DATA_DIR;
  std::string f = "train --model '" + data + "/models/llama_gqa' --data '" + data + "/train/full_ft.jsonl' --format tokens" +
                  " --method " + method + " --seq_len 16 --batch_size 2 --grad_accum 2 --lr 5e-3 --schedule constant" +
                  " --threads 1 --seed 3 --save_every 3 --max_steps " + std::to_string(steps) + " --out '" + out + "'";
  if (method == "lora") f += " --lora.r 4 --lora.alpha 8 --lora.dropout 0.2 --lora.target_modules all-linear";
  return f;
}

void expect_same_files(const fs::path& a, const fs::path& b) {
  ASSERT_TRUE(fs::is_directory(a)) << a;
  int files = 0;
  for (const auto& entry : fs::directory_iterator(a)) {
    const fs::path other = b / entry.path().filename();
    ASSERT_TRUE(fs::exists(other)) << other;
    EXPECT_TRUE(bytes_of(entry.path()) == bytes_of(other)) << entry.path() << " differs from " << other;
    ++files;
  }
  EXPECT_GT(files, 0) << a;
}

class ResumeBytes : public ::testing::TestWithParam<const char*> {};

TEST_P(ResumeBytes, RestartedRunLeavesTheSameBytes) {
  const std::string method = GetParam();
  const fs::path root = fs::temp_directory_path() / ("hone_resume_bytes_" + method + "_" + std::to_string(::getpid()));
  const std::string straight = (root / "straight").string(), restarted = (root / "restarted").string();
  fs::remove_all(root);
  ASSERT_EQ(testing::run_hone(flags(method, straight, 6)).exit_code, 0);
  ASSERT_EQ(testing::run_hone(flags(method, restarted, 3)).exit_code, 0);
  const auto resumed = testing::run_hone(flags(method, restarted, 6) + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  ASSERT_NE(resumed.output.find("resumed from"), std::string::npos) << resumed.output;
  expect_same_files(straight + "/checkpoints/step-6", restarted + "/checkpoints/step-6");
  const std::string final_folder = method == "lora" ? "/adapter" : "/model";
  expect_same_files(straight + final_folder, restarted + final_folder);
  fs::remove_all(root);
}

INSTANTIATE_TEST_SUITE_P(Methods, ResumeBytes, ::testing::Values("lora", "full"));

}  // namespace
}  // namespace hone
