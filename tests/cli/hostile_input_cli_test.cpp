// The hostile-input findings of issue 11 that only a whole command shows, run as a user would:
// each must end in one "hone: error: ..." line naming the file, key or step, with a non-zero
// exit (or the right result), never an abort, a hang or a silently wrong answer.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "support/hone_cli.h"

namespace hone {
namespace {

namespace fs = std::filesystem;
using testing::CliResult;
using testing::run_hone;

std::string data(const std::string& path) { return std::string(HONE_TEST_DATA_DIR) + "/" + path; }

class Scratch {
 public:
  Scratch() : path_(fs::temp_directory_path() / ("hone_hostile_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~Scratch() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

void expect_one_line_error(const CliResult& r, const std::string& needle) {
  EXPECT_NE(r.exit_code, 0) << r.output;
  const auto line = r.output.find("hone: error: ");
  ASSERT_NE(line, std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\n', line), r.output.size() - 1) << "the error is not the last, single line:\n" << r.output;
  EXPECT_NE(r.output.find(needle, line), std::string::npos) << r.output;
}

void replace_in_file(const std::string& path, const std::string& from, const std::string& to) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << path << " has no " << from;
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::trunc) << text;
}

std::string copy_model(const Scratch& s, const std::string& name = "llama_gqa") {
  const std::string folder = s.file(name);
  fs::copy(data("models/" + name), folder, fs::copy_options::recursive);
  return folder;
}

std::string train_flags(const std::string& model, const std::string& out, int steps, const std::string& lr = "1e-2") {
  return "train --model '" + model + "' --data '" + data("train/full_ft.jsonl") + "' --format tokens" +
         " --lora.r 4 --lora.target_modules all-linear --seq_len 16 --batch_size 2 --lr " + lr + " --threads 1 --max_steps " +
         std::to_string(steps) + " --out '" + out + "'";
}

// Item 1: positions are allocated for the sequence actually run, not max_position_embeddings.
TEST(HostileInputCli, HugeMaxPositionEmbeddingsAllocatesNothingForUnusedPositions) {
  Scratch s;
  const std::string model = copy_model(s);
  replace_in_file(model + "/config.json", "\"max_position_embeddings\": 64", "\"max_position_embeddings\": 2147483647");
  const auto start = std::chrono::steady_clock::now();
  const CliResult r = run_hone("eval --model '" + model + "' --data '" + data("eval/tokens.jsonl") + "' --json --threads 1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"loss\""), std::string::npos) << r.output;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 20.0);
}

// Item 2: a number out of double range names the file and key (it was an uncaught exception).
TEST(HostileInputCli, NumberOutOfRangeInAMessagesFileOrTokenizerConfigNamesFileAndKey) {
  Scratch s;
  const std::string config = s.file("tokenizer_config.json"), messages = s.file("chat.json");
  std::ofstream(config) << R"({"chat_template": "{{ messages[0].content }}"})";
  std::ofstream(messages) << R"({"messages": [{"role": "user", "content": "hi"}], "temperature": 1e999})";
  expect_one_line_error(run_hone("chat-template --tokenizer '" + config + "' --messages '" + messages + "'"),
                        messages + ": key 'temperature': number overflow");
  std::ofstream(config, std::ios::trunc) << R"({"chat_template": "x", "model_max_length": 1e999})";
  expect_one_line_error(run_hone("chat-template --tokenizer '" + config + "' --messages '" + messages + "'"),
                        config + ": key 'model_max_length': number overflow");
}

// Items 2 and 11: a damaged trainer_state.json is an error naming the file and key on --resume.
TEST(HostileInputCli, ResumeFromADamagedTrainerStateNamesTheFile) {
  Scratch s;
  const std::string out = s.file("run");
  ASSERT_EQ(run_hone(train_flags(data("models/llama_gqa"), out, 1)).exit_code, 0);
  const std::string state = out + "/checkpoints/step-1/trainer_state.json";
  std::ifstream in(state);
  const std::string original((std::istreambuf_iterator<char>(in)), {});
  for (const auto& [text, needle] : std::vector<std::pair<std::string, std::string>>{
           {"{not json", "trainer_state.json: not valid JSON"},
           {"{\"step\": 1e999}", "trainer_state.json: key 'step': number overflow"},
           {"{\"step\": -2, \"micro_step\": 0}", "trainer_state.json: key 'step' must be >= 0, got -2"}}) {
    std::ofstream(state, std::ios::trunc) << text;
    expect_one_line_error(run_hone(train_flags(data("models/llama_gqa"), out, 3) + " --resume"), needle);
  }
  EXPECT_FALSE(fs::exists(out + "/checkpoints/step--2"));
}

// Item 6: SIGTERM (docker stop, schedulers) finishes the step, writes a checkpoint and exits 143;
// a killed write's step-N.tmp-PID folder is removed when the run resumes.
TEST(HostileInputCli, SigtermCheckpointsAndExits143AndResumeRemovesKilledWrites) {
  Scratch s;
  const std::string out = s.file("run");
  const pid_t pid = testing::start_hone(train_flags(data("models/llama_gqa"), out, 100000) + " --log_every 1",
                                        out + "/metrics.jsonl");
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 143);
  int checkpoints = 0;
  for (const auto& e : fs::directory_iterator(out + "/checkpoints")) checkpoints += fs::exists(e.path() / "trainer_state.json");
  EXPECT_EQ(checkpoints, 1);
  EXPECT_FALSE(fs::exists(out + "/adapter"));

  // What a kill -9 during a checkpoint write leaves behind.
  const std::string killed = out + "/checkpoints/step-999.tmp-12345";
  fs::create_directories(killed);
  std::ofstream(killed + "/adapter_model.safetensors") << "partial";
  std::ofstream(out + "/metrics.jsonl.tmp-12345") << "partial";
  const CliResult r = run_hone(train_flags(data("models/llama_gqa"), out, 1) + " --resume");
  EXPECT_FALSE(fs::exists(killed)) << r.output;
  EXPECT_FALSE(fs::exists(out + "/metrics.jsonl.tmp-12345")) << r.output;
}

// Item 3: a run folder in use by another process is refused with that process's id.
TEST(HostileInputCli, ARunFolderInUseIsRefusedWithTheOwnersPid) {
  Scratch s;
  const std::string out = s.file("run");
  const pid_t pid = testing::start_hone(train_flags(data("models/llama_gqa"), out, 100000), out + "/config.yaml");
  ASSERT_GT(pid, 0);
  const CliResult second = run_hone(train_flags(data("models/llama_gqa"), out, 2) + " --overwrite");
  const CliResult resumed = run_hone(train_flags(data("models/llama_gqa"), out, 2) + " --resume");
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  expect_one_line_error(second, "in use by process " + std::to_string(pid));
  expect_one_line_error(resumed, "in use by process " + std::to_string(pid));
  // The kernel drops the lock with its holder, even after kill -9.
  EXPECT_EQ(run_hone(train_flags(data("models/llama_gqa"), out, 1) + " --overwrite").exit_code, 0);
}

// Item 4: more threads than cores are capped, with a note.
TEST(HostileInputCli, ThreadsAreCappedAtTheAvailableCores) {
  const CliResult r = run_hone("info --threads 100000");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("note: --threads 100000 capped at the "), std::string::npos) << r.output;
}

// Item 5: export never overwrites an input, and an existing output only with --overwrite.
TEST(HostileInputCli, ExportRefusesToOverwriteItsInputOrAnExistingFile) {
  Scratch s;
  const std::string model = copy_model(s);
  const auto size_before = fs::file_size(model + "/model.safetensors");
  expect_one_line_error(run_hone("export --model '" + model + "' --format gguf --out '" + model + "/model.safetensors' --overwrite"),
                        "is inside the input");
  EXPECT_EQ(fs::file_size(model + "/model.safetensors"), size_before);
  const std::string out = s.file("m.gguf");
  std::ofstream(out) << "precious";
  expect_one_line_error(run_hone("export --model '" + model + "' --format gguf --out '" + out + "'"),
                        "already exists; pass --overwrite");
  EXPECT_EQ(fs::file_size(out), 8u);
  EXPECT_EQ(run_hone("export --model '" + model + "' --format gguf --out '" + out + "' --overwrite").exit_code, 0);
  EXPECT_GT(fs::file_size(out), 8u);
  expect_one_line_error(run_hone("export --model '" + out + "' --format gguf --out '" + out + "' --overwrite"),
                        "is the input");
}

// Item 7: a step whose loss or gradient is not finite stops the run, naming the step, with no
// adapter written from the bad state; the last good checkpoint stays.
TEST(HostileInputCli, NonFiniteTrainingStopsAtTheStepAndKeepsTheLastGoodCheckpoint) {
  Scratch s;
  const std::string out = s.file("run");
  const CliResult r = run_hone(train_flags(data("models/llama_gqa"), out, 6, "1e30") + " --save_every 1");
  expect_one_line_error(r, ": non-finite ");
  EXPECT_NE(r.output.find("hone: error: step 2: non-finite"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("The last good checkpoint is " + out + "/checkpoints/step-1"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(out + "/checkpoints/step-1/adapter_model.safetensors"));
  EXPECT_FALSE(fs::exists(out + "/checkpoints/step-2"));
  EXPECT_FALSE(fs::exists(out + "/adapter"));
}

// Item 7: a NaN stored in the model's weights is reported at load, naming the tensor.
TEST(HostileInputCli, NaNWeightIsReportedAtLoadNamingTheTensor) {
  Scratch s;
  const std::string model = copy_model(s);
  {
    // Overwrite the first f32 of the first tensor's data with a NaN.
    std::fstream f(model + "/model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
    uint64_t header = 0;
    f.read(reinterpret_cast<char*>(&header), 8);
    f.seekp(std::streamoff(8 + header));
    const uint32_t nan = 0x7fc00000u;
    f.write(reinterpret_cast<const char*>(&nan), 4);
  }
  expect_one_line_error(run_hone("eval --model '" + model + "' --data '" + data("eval/tokens.jsonl") + "'"),
                        "holds a non-finite value (nan)");
}

// Items 8 and 11: eval with nothing to score, and a negative --seq-len, are errors.
TEST(HostileInputCli, EvalWithNothingToScoreOrANegativeSeqLenIsAnError) {
  Scratch s;
  const std::string tokens = s.file("unscored.jsonl");
  std::ofstream(tokens) << "{\"input_ids\": [1, 2, 3], \"labels\": [-100, -100, -100]}\n";
  expect_one_line_error(run_hone("eval --model '" + data("models/llama_gqa") + "' --data '" + tokens + "'"),
                        tokens + ": no scored tokens");
  expect_one_line_error(run_hone("eval --model '" + data("models/llama_gqa") + "' --data '" + tokens + "' --seq_len -5"),
                        "--seq_len must be >= 0");
}

// Item 12: inspect given an adapter (folder or LoRA GGUF) says so, instead of naming a missing
// config.json or metadata key.
TEST(HostileInputCli, InspectRecognisesAdapters) {
  Scratch s;
  const std::string adapter = data("peft/all_linear_f32");
  expect_one_line_error(run_hone("inspect '" + adapter + "'"), adapter + ": a PEFT adapter folder");
  const std::string gguf = s.file("lora.gguf");
  ASSERT_EQ(run_hone("export --adapter '" + adapter + "' --model '" + data("models/llama_gqa") + "' --format gguf --out '" + gguf + "'")
                .exit_code,
            0);
  expect_one_line_error(run_hone("inspect '" + gguf + "'"), gguf + ": a LoRA adapter GGUF");
}

}  // namespace
}  // namespace hone
