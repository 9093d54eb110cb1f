// `hone init-model`, the first step of making the demo model (examples/demo/README.md): a model
// folder from examples/demo/model_config.json with the demo tokenizer, the same bytes for the same
// seed, and clear errors for a bad config, a folder without a tokenizer and an existing output.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr together
};

std::string hone_binary() {
  const fs::path path = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "src" / "hone";
  EXPECT_TRUE(fs::exists(path)) << path << " is missing: build the hone target before the CLI tests";
  return path.string();
}

// Built piecewise: g++ 12 warns falsely (-Wrestrict) on "'" + s + "'".
std::string shell_quoted(const fs::path& path) {
  std::string out = "'";
  out.append(path.string()).append("'");
  return out;
}

Result run(const std::string& arguments) {
  std::string command = shell_quoted(hone_binary());
  command.append(" ").append(arguments).append(" 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string output;
  std::array<char, 4096> buffer;
  size_t got;
  while ((got = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), got);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const fs::path kSource = HONE_SOURCE_DIR;
const fs::path kConfig = kSource / "examples" / "demo" / "model_config.json";
const fs::path kTokenizer = kSource / "models" / "demo";

class InitModelVerb : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hone_init_model_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  Result init(const fs::path& out, const std::string& extra) {
    return run("init-model --config " + shell_quoted(kConfig) + " --tokenizer " + shell_quoted(kTokenizer) + " --out " + shell_quoted(out) +
               " " + extra);
  }
  fs::path dir_;
};

TEST_F(InitModelVerb, WritesAModelFolderThatTheSeedFixes) {
  const Result first = init(dir_ / "a", "--seed 0");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("3950848 parameters"), std::string::npos) << first.output;
  for (const char* file : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"})
    EXPECT_TRUE(fs::exists(dir_ / "a" / file)) << file;
  EXPECT_EQ(read_bytes(dir_ / "a" / "tokenizer.json"), read_bytes(kTokenizer / "tokenizer.json"));

  ASSERT_EQ(init(dir_ / "b", "--seed 0").exit_code, 0);
  ASSERT_EQ(init(dir_ / "c", "--seed 1").exit_code, 0);
  const std::string weights = read_bytes(dir_ / "a" / "model.safetensors");
  EXPECT_EQ(weights, read_bytes(dir_ / "b" / "model.safetensors")) << "the same seed must give the same weights";
  EXPECT_NE(weights, read_bytes(dir_ / "c" / "model.safetensors")) << "another seed must give other weights";

  // The folder loads and runs.
  const Result generated = run("generate --model " + shell_quoted(dir_ / "a") + " --prompt-ids 4095,68 --max-new-tokens 2 --json");
  EXPECT_EQ(generated.exit_code, 0) << generated.output;
}

TEST_F(InitModelVerb, RefusesToReplaceAFolderWithoutOverwrite) {
  ASSERT_EQ(init(dir_ / "a", "--seed 0").exit_code, 0);
  const std::string weights = read_bytes(dir_ / "a" / "model.safetensors");
  const Result again = init(dir_ / "a", "--seed 1");
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("--overwrite"), std::string::npos) << again.output;
  EXPECT_EQ(read_bytes(dir_ / "a" / "model.safetensors"), weights) << "a refused run must leave the folder alone";
  const Result replaced = init(dir_ / "a", "--seed 1 --overwrite");
  EXPECT_EQ(replaced.exit_code, 0) << replaced.output;
  EXPECT_NE(read_bytes(dir_ / "a" / "model.safetensors"), weights);
}

TEST_F(InitModelVerb, BadInputIsAClearError) {
  const fs::path bad_config = dir_ / "bad_config.json";
  std::ofstream(bad_config) << R"({"model_type": "llama", "hidden_size": 30, "num_attention_heads": 4})";
  const Result bad = run("init-model --config " + shell_quoted(bad_config) + " --out " + shell_quoted(dir_ / "x"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find(bad_config.string()), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("num_attention_heads"), std::string::npos) << bad.output;

  const Result no_tokenizer =
      run("init-model --config " + shell_quoted(kConfig) + " --tokenizer " + shell_quoted(dir_) + " --out " + shell_quoted(dir_ / "y"));
  EXPECT_NE(no_tokenizer.exit_code, 0);
  EXPECT_NE(no_tokenizer.output.find("no tokenizer.json"), std::string::npos) << no_tokenizer.output;
  EXPECT_FALSE(fs::exists(dir_ / "y")) << "a failed run must not leave a partial folder";
}

}  // namespace
