// `mpirun -np N hone train` is the same run as one process with the same global batch: the
// losses and the trained weights agree to 1e-6 (relative to each tensor's scale; not bit for bit,
// since each rank sums its own rows' gradients before the ranks' sums are added). Weights are
// compared at 1e-6 under SGD, whose update is linear in the gradient; AdamW divides each entry by
// its own gradient's magnitude, so an entry whose gradient is near zero turns a rounding
// difference into a visible one: its weights are compared at 1e-4, its losses still at 1e-6. With LoRA (only
// the adapter's tensors travel) and full fine-tuning, for an even split (2 ranks) and an uneven
// one (3 ranks over 4 rows: 1, 1 and 2). Only rank 0 writes the run folder; a checkpoint of a
// 2-rank run resumes in one process and one of a single process resumes on 2 ranks, continuing
// the same trajectory; ZeRO-1 (distributed.shard_optimizer) is the unsharded run bit for bit and
// its checkpoints resume on another rank count; Ctrl-C on one rank stops all at the same step
// with a checkpoint; an error on one rank, or a killed rank, ends the job in seconds, naming the
// rank.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hone/io/safetensors.h"
#include "support/hone_cli.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

struct Shell {
  int exit_code = -1;
  std::string output;
  double seconds = 0;
};

Shell shell(const std::string& command) {
  const auto start = std::chrono::steady_clock::now();
  const testing::CliResult r = testing::run_command(command + " 2>&1");
  return {r.exit_code, r.output, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

// CI runs as root, which Open MPI refuses without being told. timeout(1) turns a hang into a
// failure.
std::string mpirun(int ranks, bool with_timeout = true) {
  return std::string("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ") + (with_timeout ? "timeout 120 " : "") +
         "'" + HONE_MPIEXEC + "' --oversubscribe --allow-run-as-root -np " + std::to_string(ranks) + " ";
}

class MpirunTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("hone_mpirun_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // 16 examples of 5..12 tokens with their first half unscored: rows of a batch score different
    // numbers of tokens, so a rank's share is not a fixed fraction of the batch's.
    std::ofstream data(dir_ + "/train.jsonl");
    for (int e = 0; e < 16; ++e) {
      nlohmann::json ids = nlohmann::json::array(), labels = nlohmann::json::array();
      const int length = 5 + (e * 5) % 8;
      for (int t = 0; t < length; ++t) {
        const int id = 3 + (e * 31 + t * 17) % 90;
        ids.push_back(id);
        labels.push_back(t < length / 2 ? -100 : id);
      }
      data << nlohmann::json{{"input_ids", ids}, {"labels", labels}}.dump() << "\n";
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string train(const std::string& out, const std::string& flags) const {
    return "'" + testing::hone_binary() + "' train --model '" + std::string(HONE_TEST_DATA_DIR) +
           "/models/llama_gqa' --data '" + dir_ + "/train.jsonl' --format tokens --seq_len 16 --batch_size 4 " +
           "--lr 1e-2 --schedule constant --precision f32 --threads 1 --seed 5 --log_every 1 --out '" + dir_ + "/" + out + "' " + flags;
  }
  // Runs `out` on 2 ranks until it logs a step, then sends `signal` (kill's name) to rank 1 alone.
  Shell signal_rank_1(const std::string& out, const std::string& signal) const {
    const std::string script = dir_ + "/" + out + ".sh";
    std::ofstream(script) << mpirun(2, false) << train(out, "--max_steps 1000000") << " & M=$!\n"
                          << "for i in $(seq 600); do [ -s '" << dir_ << "/" << out << "/metrics.jsonl' ] && break; sleep 0.1; done\n"
                          << "for p in $(pgrep -P $M); do\n"
                          << "  tr '\\0' '\\n' < /proc/$p/environ | grep -qx OMPI_COMM_WORLD_RANK=1 && kill -" << signal
                          << " $p && echo signalled rank 1\n"
                          << "done\n"
                          << "wait $M\n";
    return shell("timeout 120 bash '" + script + "'");
  }
  std::string dir_;
};

std::vector<double> losses(const std::string& metrics) {
  std::vector<double> out;
  std::ifstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("loss")) out.push_back(j["loss"].get<double>());
  }
  return out;
}

// Every tensor of `b` equals `a`'s to `tolerance` of the tensor's largest magnitude.
void expect_same_weights(const std::string& a, const std::string& b, double tolerance = 1e-6) {
  const SafetensorsFile fa = SafetensorsFile::open(a), fb = SafetensorsFile::open(b);
  ASSERT_EQ(fa.entries().size(), fb.entries().size());
  for (const auto& e : fa.entries()) {
    const std::vector<double> x = fa.get(e.name).to_doubles(), y = fb.get(e.name).to_doubles();
    ASSERT_EQ(x.size(), y.size()) << e.name;
    double scale = 1e-30, worst = 0;
    for (double v : x) scale = std::max(scale, std::abs(v));
    for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
    EXPECT_LE(worst, tolerance * scale) << e.name;
  }
}

void expect_same_losses(const std::vector<double>& a, const std::vector<double>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6 * std::abs(a[i])) << "step " << i + 1;
}

TEST_F(MpirunTrain, LoraOnTwoRanksEqualsOneProcess) {
  const std::string flags = "--lora.r 4 --lora.target_modules all-linear --optimizer sgd --grad_accum 2 --max_steps 3";
  const Shell one = shell(train("one", flags));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const Shell two = shell(mpirun(2) + train("two", flags));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_NE(two.output.find("data parallel: 2 ranks"), std::string::npos) << two.output;
  // One writer: three step lines, not six, and one progress line per step.
  const std::vector<double> a = losses(dir_ + "/one/metrics.jsonl"), b = losses(dir_ + "/two/metrics.jsonl");
  ASSERT_EQ(b.size(), 3u);
  expect_same_losses(a, b);
  expect_same_weights(dir_ + "/one/adapter/adapter_model.safetensors", dir_ + "/two/adapter/adapter_model.safetensors");
}

TEST_F(MpirunTrain, FullFineTuningOnThreeRanksUnevenEqualsOneProcess) {
  const std::string flags = "--method full --max_steps 2";  // AdamW
  const Shell one = shell(train("one", flags));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const Shell three = shell(mpirun(3) + train("three", flags));
  ASSERT_EQ(three.exit_code, 0) << three.output;
  expect_same_losses(losses(dir_ + "/one/metrics.jsonl"), losses(dir_ + "/three/metrics.jsonl"));
  // Metrics count every rank's tokens.
  std::ifstream a(dir_ + "/one/metrics.jsonl"), b(dir_ + "/three/metrics.jsonl");
  std::string la, lb;
  std::getline(a, la);
  std::getline(b, lb);
  EXPECT_EQ(nlohmann::json::parse(la)["scored_tokens"], nlohmann::json::parse(lb)["scored_tokens"]);
  expect_same_weights(dir_ + "/one/model/model.safetensors", dir_ + "/three/model/model.safetensors", 1e-4);
}

TEST_F(MpirunTrain, CheckpointsResumeWithAnotherRankCount) {
  // SGD with momentum: its state (the momentum buffers) must travel through the checkpoint.
  const std::string flags = "--lora.r 4 --lora.target_modules all-linear --optimizer sgd --momentum 0.9 --grad_accum 2";
  const Shell whole = shell(train("whole", flags + " --max_steps 4"));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  // Two ranks for two steps, then one process for the rest.
  Shell r = shell(mpirun(2) + train("a", flags + " --max_steps 2"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(train("a", flags + " --max_steps 4 --resume"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // One process for two steps, then two ranks.
  r = shell(train("b", flags + " --max_steps 2"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(mpirun(2) + train("b", flags + " --max_steps 4 --resume"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<double> expected = losses(dir_ + "/whole/metrics.jsonl");
  expect_same_losses(expected, losses(dir_ + "/a/metrics.jsonl"));
  expect_same_losses(expected, losses(dir_ + "/b/metrics.jsonl"));
  for (const char* run : {"a", "b"})
    expect_same_weights(dir_ + "/whole/adapter/adapter_model.safetensors",
                        dir_ + "/" + run + "/adapter/adapter_model.safetensors");
}

// ZeRO-1 changes where each update is computed, not what it computes: bit for bit the same run,
// and its checkpoint holds the full optimizer state.
TEST_F(MpirunTrain, ShardedOptimizerEqualsUnshardedBitForBit) {
  const std::string flags = "--method full --grad_accum 2 --max_steps 3";  // AdamW
  const Shell plain = shell(mpirun(2) + train("plain", flags));
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  const Shell zero = shell(mpirun(2) + train("zero", flags + " --distributed.shard_optimizer true"));
  ASSERT_EQ(zero.exit_code, 0) << zero.output;
  EXPECT_EQ(losses(dir_ + "/plain/metrics.jsonl"), losses(dir_ + "/zero/metrics.jsonl"));
  expect_same_weights(dir_ + "/plain/model/model.safetensors", dir_ + "/zero/model/model.safetensors", 0);
  expect_same_weights(dir_ + "/plain/checkpoints/step-3/optimizer.safetensors",
                      dir_ + "/zero/checkpoints/step-3/optimizer.safetensors", 0);
}

TEST_F(MpirunTrain, ShardedCheckpointsResumeWithAnotherRankCount) {
  const std::string flags = "--lora.r 4 --lora.target_modules all-linear --optimizer sgd --momentum 0.9 --grad_accum 2";
  const std::string zero = " --distributed.shard_optimizer true";
  const Shell whole = shell(train("whole", flags + " --max_steps 4"));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  // Sharded over 2 ranks, then over 3; sharded over 2 ranks, then one process.
  Shell r = shell(mpirun(2) + train("a", flags + zero + " --max_steps 2"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(mpirun(3) + train("a", flags + zero + " --max_steps 4 --resume"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(mpirun(2) + train("b", flags + zero + " --max_steps 2"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(train("b", flags + " --max_steps 4 --resume"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<double> expected = losses(dir_ + "/whole/metrics.jsonl");
  for (const char* run : {"a", "b"}) {
    expect_same_losses(expected, losses(dir_ + "/" + run + "/metrics.jsonl"));
    expect_same_weights(dir_ + "/whole/adapter/adapter_model.safetensors",
                        dir_ + "/" + run + "/adapter/adapter_model.safetensors");
  }
}

// Ctrl-C reaching any one rank stops every rank after the same step (the stop request is summed
// over the ranks each step), rank 0 writes the checkpoint and the job exits with 130.
TEST_F(MpirunTrain, AnInterruptOnOneRankStopsAllAfterTheSameStep) {
  const Shell r = signal_rank_1("stopped", "INT");
  EXPECT_EQ(r.exit_code, 130) << r.output;
  const std::vector<double> logged = losses(dir_ + "/stopped/metrics.jsonl");
  ASSERT_FALSE(logged.empty());
  EXPECT_TRUE(fs::exists(dir_ + "/stopped/checkpoints/step-" + std::to_string(logged.size()) + "/trainer_state.json"))
      << r.output;
}

// An error on one rank (only rank 0 checks the run folder) ends every rank at once, with the
// error and the rank that hit it, instead of leaving the others waiting in a collective.
TEST_F(MpirunTrain, AnErrorOnOneRankAbortsTheJob) {
  const Shell first = shell(mpirun(2) + train("taken", "--max_steps 1"));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const Shell again = shell(mpirun(2) + train("taken", "--max_steps 1"));
  EXPECT_NE(again.exit_code, 0) << again.output;
  EXPECT_NE(again.exit_code, 124) << "timed out: " << again.output;
  EXPECT_NE(again.output.find("error (rank 0 of 2): "), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("--overwrite"), std::string::npos) << again.output;
}

TEST_F(MpirunTrain, AKilledRankEndsTheJob) {
  // Rank 1 is killed once training runs; rank 0 must not wait for it forever.
  const Shell r = signal_rank_1("killed", "9");
  ASSERT_NE(r.output.find("signalled rank 1"), std::string::npos) << r.output;
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.exit_code, 124) << "timed out: " << r.output;  // timeout(1)'s code: a hang
  EXPECT_NE(r.output.find("process rank 1"), std::string::npos) << r.output;  // mpirun names the rank that died
  EXPECT_LT(r.seconds, 90) << r.output;
}

}  // namespace
}  // namespace hone
