// The embedded default (models/demo, examples/demo) as scripts/run.sh uses it: the shipped model
// folder loads and generates, its tokenizer gives the ids of the script that trained it
// (scripts/demo/train_bpe.py) and decodes back to the text, and a 3-step LoRA run of the demo
// recipe leaves a PEFT adapter that loads again.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hone/io/safetensors.h"
#include "support/hone_cli.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

using Result = hone::testing::CliResult;
using hone::testing::hone_binary;

// Runs from the source root, as scripts/run.sh does, so the recipe's relative paths resolve.
Result run(const std::string& arguments, bool with_stderr = true) {
  return hone::testing::run_hone(arguments, with_stderr, HONE_SOURCE_DIR);
}

Json run_json(const std::string& arguments) {
  const Result r = run(arguments, false);
  EXPECT_EQ(r.exit_code, 0) << arguments << "\n" << run(arguments).output;
  return Json::parse(r.output);
}

const fs::path kModel = fs::path(HONE_SOURCE_DIR) / "models" / "demo";
const fs::path kExamples = fs::path(HONE_SOURCE_DIR) / "examples" / "demo";

// Built piecewise: g++ 12 warns falsely (-Wrestrict) on "'" + s + "'".
std::string quoted(const fs::path& path) {
  std::string out = "'";
  out.append(path.string()).append("'");
  return out;
}

std::vector<Json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::vector<Json> records;
  for (std::string line; std::getline(in, line);) records.push_back(Json::parse(line));
  return records;
}

class ScratchDir {
 public:
  ScratchDir() : path_(fs::temp_directory_path() / ("hone_demo_test_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(DemoModel, FolderIsASmallLlamaThatGenerates) {
  uintmax_t bytes = 0;
  for (const char* file : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
    ASSERT_TRUE(fs::exists(kModel / file)) << kModel / file;
    bytes += fs::file_size(kModel / file);
  }
  EXPECT_LE(bytes, 20u * 1000 * 1000) << "the shipped model must stay within 20 MB";
  std::ifstream config_file(kModel / "config.json");
  const Json config = Json::parse(config_file);
  EXPECT_EQ(config.at("model_type"), "llama");

  const Json out = run_json("generate --model " + quoted(kModel) + " --prompt 'Define: water' --max-new-tokens 4 --json");
  ASSERT_TRUE(out.contains("ids")) << out.dump();
  EXPECT_GE(out.at("ids").size(), 1u);
  EXPECT_LE(out.at("ids").size(), 4u);
}

// tests/data/demo/tokenizer_ids.jsonl holds texts and the ids train_bpe.py gives them (regenerate:
// train_bpe.py encode --tokenizer models/demo --jsonl tests/data/demo/tokenizer_ids.jsonl).
TEST(DemoModel, TokenizerMatchesItsTrainingScriptAndRoundTrips) {
  const std::vector<Json> cases = read_jsonl(fs::path(HONE_TEST_DATA_DIR) / "demo" / "tokenizer_ids.jsonl");
  ASSERT_GE(cases.size(), 10u);
  ScratchDir scratch;
  const fs::path text_file = scratch.path() / "text.txt";
  for (const Json& c : cases) {
    const std::string text = c.at("text");
    std::ofstream(text_file, std::ios::binary) << text;
    const Json encoded = run_json("tokenize --tokenizer " + quoted(kModel) + " --file " + quoted(text_file) + " --json");
    EXPECT_EQ(encoded.at("ids"), c.at("ids")) << "text: " << Json(text).dump();

    std::string ids;
    for (const Json& id : c.at("ids")) {
      if (!ids.empty()) ids += ',';
      ids += std::to_string(id.get<int>());
    }
    const Result decoded = run("detokenize --tokenizer " + quoted(kModel) + " --ids " + ids, false);
    ASSERT_EQ(decoded.exit_code, 0);
    // The BOS the encoding starts with comes back as its text; detokenize ends with a newline.
    EXPECT_EQ(decoded.output, "<|endoftext|>" + text + "\n") << "ids: " << ids;
  }
}

TEST(DemoModel, ThreeStepLoraRunLeavesAPeftAdapterThatLoads) {
  ScratchDir scratch;
  // A few held-out pairs keep the end-of-run evaluation short.
  const std::vector<Json> heldout = read_jsonl(kExamples / "definitions_heldout.jsonl");
  ASSERT_GE(heldout.size(), 100u);
  const fs::path eval_file = scratch.path() / "eval.jsonl";
  {
    std::ofstream eval(eval_file);
    for (size_t i = 0; i < 8; ++i) eval << heldout[i].dump() << "\n";
  }
  const fs::path run_dir = scratch.path() / "run";
  const Json summary = run_json("train " + quoted(kExamples / "recipe.yaml") + " --max_steps 3 --batch_size 2 --out " +
                                quoted(run_dir) + " --eval_data " + quoted(eval_file) + " --json");
  EXPECT_EQ(summary.at("steps"), 3);
  EXPECT_TRUE(summary.contains("eval_loss"));

  const fs::path adapter = run_dir / "adapter";
  std::ifstream config_file(adapter / "adapter_config.json");
  ASSERT_TRUE(config_file) << adapter / "adapter_config.json";
  const Json config = Json::parse(config_file);
  EXPECT_EQ(config.at("peft_type"), "LORA");
  EXPECT_EQ(config.at("task_type"), "CAUSAL_LM");
  EXPECT_EQ(config.at("r"), 16);

  const hone::SafetensorsFile tensors = hone::SafetensorsFile::open((adapter / "adapter_model.safetensors").string());
  // all-linear on 4 layers: q, k, v, o, gate, up, down, each with lora_A and lora_B.
  EXPECT_EQ(tensors.entries().size(), 4u * 7u * 2u);
  EXPECT_TRUE(tensors.contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
  EXPECT_TRUE(tensors.contains("base_model.model.model.layers.3.mlp.down_proj.lora_B.weight"));

  // Loads back onto the base model: the held-out loss with the adapter is the one training reported.
  const Json eval = run_json("eval --model " + quoted(kModel) + " --adapter " + quoted(adapter) + " --data " +
                             quoted(eval_file) + " --json");
  EXPECT_NEAR(eval.at("loss").get<double>(), summary.at("eval_loss").get<double>(), 1e-4);
  const Json before = run_json("eval --model " + quoted(kModel) + " --data " + quoted(eval_file) + " --json");
  EXPECT_NE(before.at("loss").get<double>(), eval.at("loss").get<double>()) << "the adapter changed nothing";

  const fs::path missing = scratch.path() / "no_adapter";
  const Result bad = run("eval --model " + quoted(kModel) + " --adapter " + quoted(missing) + " --data " + quoted(eval_file));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find(missing.string()), std::string::npos) << bad.output;
}

}  // namespace
