// `hone inspect`, `export`, `generate` and `eval` run as a user would, on the tests/data models:
// an exported GGUF generates and evaluates like its folder, text prompts stream the same text
// --json reports, EOS stops generation, eval matches the PyTorch golden, and bad input is a
// one-line error with a non-zero exit.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/golden.h"
#include "support/hone_cli.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

using Result = hone::testing::CliResult;

// stdout only, or stdout and stderr together.
Result run(const std::string& arguments, bool with_stderr = true) { return hone::testing::run_hone(arguments, with_stderr); }

Json run_json(const std::string& arguments) {
  const Result r = run(arguments, false);
  EXPECT_EQ(r.exit_code, 0) << arguments << "\n" << run(arguments).output;
  return Json::parse(r.output);
}

// The quoted path of a file under tests/data (appended piecewise: g++ 12 warns falsely on a+b+c here).
std::string data(const std::string& path) {
  std::string out = "'";
  out.append(HONE_TEST_DATA_DIR).append("/").append(path).append("'");
  return out;
}

class ScratchDir {
 public:
  ScratchDir() : path_(fs::temp_directory_path() / ("hone_inference_cli_" + std::to_string(getpid()) + "_" + std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~ScratchDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

void expect_one_line_error(const Result& r, const std::string& needle) {
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("hone: error: ", 0), 0u) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
}

TEST(InspectCli, HfFolderAndGgufFile) {
  const Json hf = run_json("inspect " + data("models/llama_bias_linear_headdim") + " --json");
  EXPECT_EQ(hf["format"], "hf");
  EXPECT_EQ(hf["architecture"], "LlamaForCausalLM");
  EXPECT_EQ(hf["family"], "llama");
  int64_t stored = 0;
  for (const auto& t : hf["tensors"]) {
    int64_t n = 1;
    for (const auto& d : t["shape"]) n *= d.get<int64_t>();
    stored += n;
  }
  EXPECT_EQ(hf["parameters"].get<int64_t>(), stored);  // untied: every parameter is stored once
  EXPECT_EQ(hf["dtypes"]["f32"], hf["tensors"].size());
  EXPECT_EQ(hf["config"]["head_dim"], 16);
  EXPECT_EQ(hf["config"]["rope_scaling"], "linear");

  const Result text = run("inspect " + data("models/qwen2"));
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("family:        qwen2"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("model.layers.1.self_attn.q_proj.bias  [32]  f32"), std::string::npos) << text.output;

  ScratchDir dir;
  ASSERT_EQ(run("export --model " + data("models/qwen2") + " --format gguf --dtype q8_0 --out " + dir.file("q.gguf")).exit_code, 0);
  const Json gguf = run_json("inspect " + dir.file("q.gguf") + " --json");
  EXPECT_EQ(gguf["format"], "gguf");
  EXPECT_EQ(gguf["architecture"], "qwen2");
  EXPECT_EQ(gguf["parameters"], run_json("inspect " + data("models/qwen2") + " --json")["parameters"]);
  EXPECT_GT(gguf["dtypes"]["q8_0"].get<int>(), 0);
  EXPECT_GT(gguf["dtypes"]["f32"].get<int>(), 0);  // norms and biases
  EXPECT_EQ(gguf["metadata"]["general.file_type"], "u32 7");
}

TEST(ExportCli, GgufGeneratesAndEvaluatesLikeItsFolder) {
  ScratchDir dir;
  const std::string folder = data("models/mistral");
  const Result exported = run("export --model " + folder + " --format gguf --dtype f32 --out " + dir.file("m.gguf"));
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_NE(exported.output.find("wrote "), std::string::npos);
  const std::string gen = " --prompt-ids 1,17,42,5 --max-new-tokens 12 --json";
  const Json a = run_json("generate --model " + folder + gen), b = run_json("generate --model " + dir.file("m.gguf") + gen);
  EXPECT_EQ(a["ids"].size(), 12u);
  EXPECT_EQ(a["ids"], b["ids"]);
  const std::string eval = " --data " + data("eval/tokens.jsonl") + " --json";
  const Json ea = run_json("eval --model " + folder + eval), eb = run_json("eval --model " + dir.file("m.gguf") + eval);
  EXPECT_NEAR(ea["loss"].get<double>(), eb["loss"].get<double>(), 1e-5);
  EXPECT_EQ(ea["tokens"], eb["tokens"]);
  for (const char* dtype : {"f16", "bf16", "q8_0"}) {
    const std::string out = dir.file(std::string(dtype) + ".gguf");
    ASSERT_EQ(run("export --model " + folder + " --format gguf --dtype " + dtype + " --out " + out).exit_code, 0);
    const Json e = run_json("eval --model " + out + eval);
    EXPECT_NEAR(e["loss"].get<double>(), ea["loss"].get<double>(), 0.02) << dtype;
  }
}

TEST(EvalCli, MatchesThePyTorchGolden) {
  hone::testing::Golden g("eval_qwen2");
  // The golden is PyTorch in f32; the default (auto) would multiply in bf16 on a CPU with bf16.
  const Json r = run_json("eval --model " + data("models/qwen2") + " --data " + data("eval/tokens.jsonl") +
                          " --precision f32 --json");
  EXPECT_NEAR(r["loss"].get<double>(), g.get("loss").item(), 1e-5);
  // In bf16 the loss moves by about bf16's rounding of the products (2^-8 relative), no more.
  const Json bf16 = run_json("eval --model " + data("models/qwen2") + " --data " + data("eval/tokens.jsonl") +
                             " --precision bf16 --json");
  EXPECT_NEAR(bf16["loss"].get<double>(), g.get("loss").item(), 1e-2 * g.get("loss").item());
  EXPECT_NEAR(r["perplexity"].get<double>(), std::exp(g.get("loss").item()), 1e-3);
  EXPECT_EQ(r["tokens"].get<int64_t>(), int64_t(g.get("tokens").item()));
  EXPECT_EQ(r.size(), 3u);
  const Result text = run("eval --model " + data("models/qwen2") + " --data " + data("eval/tokens.jsonl"), false);
  EXPECT_NE(text.output.find("tokens: 27\n"), std::string::npos) << text.output;
}

TEST(GenerateCli, TextPromptStreamsWhatJsonReports) {
  const std::string model = data("inference/bytelevel_llama");
  for (const std::string sampling : {"", " --temperature 0.9 --top-k 40 --top-p 0.9 --seed 4"}) {
    const std::string args = "generate --model " + model + " --prompt 'the cat sat on the' --max-new-tokens 10" + sampling;
    const Json j = run_json(args + " --json");
    ASSERT_TRUE(j.contains("text"));
    const Json ids = run_json("tokenize --tokenizer " + model + " --text 'the cat sat on the' --json");
    EXPECT_EQ(j["prompt_tokens"], ids["ids"].size());
    const Result streamed = run(args, false);
    ASSERT_EQ(streamed.exit_code, 0);
    EXPECT_EQ(streamed.output, j["text"].get<std::string>() + "\n");
    EXPECT_EQ(run_json(args + " --json")["ids"], j["ids"]);  // the seed fixes sampling
  }
}

TEST(GenerateCli, StopsAtTheGenerationConfigEos) {
  ScratchDir dir;
  const fs::path folder = dir.file("model");
  fs::copy(std::string(HONE_TEST_DATA_DIR) + "/models/llama_gqa", folder);
  const std::string gen = "generate --model '" + folder.string() + "' --prompt-ids 1,2,3 --max-new-tokens 8 --json";
  const Json free_run = run_json(gen);
  EXPECT_EQ(free_run["finish_reason"], "length");
  const int first = free_run["ids"][0];
  std::ofstream(folder / "generation_config.json") << "{\"eos_token_id\": [" << first << "]}";
  const Json stopped = run_json(gen);
  EXPECT_EQ(stopped["finish_reason"], "stop");
  EXPECT_EQ(stopped["ids"], Json::array({first}));
}

TEST(InferenceCli, BadInputIsAOneLineErrorWithNonZeroExit) {
  expect_one_line_error(run("inspect /no/such/model"), "no such file or folder");
  expect_one_line_error(run("generate --model " + data("models/llama_gqa") + " --prompt-ids 1,x,3"), "item 1 ('x')");
  expect_one_line_error(run("generate --model " + data("models/llama_gqa") + " --prompt-ids 1,500"), "outside the vocabulary");
  expect_one_line_error(run("generate --model " + data("models/llama_gqa") + " --prompt hi"), "no tokenizer.json");
  expect_one_line_error(run("generate --model " + data("models/llama_gqa") + " --prompt-ids 1 --top-p 2"), "--top_p must be in (0, 1]");
  expect_one_line_error(run("export --model " + data("models/llama_gqa") + " --format gguf --dtype q4_0 --out /tmp/x.gguf"),
                        "--dtype must be f32, f16, bf16 or q8_0");
  expect_one_line_error(run("export --model " + data("models/llama_tied_llama3_mqa") + " --format gguf --out /tmp/x.gguf"),
                        "llama3");
  ScratchDir dir;
  std::ofstream(dir.file("bad.jsonl")) << "{\"input_ids\": [1, 2]}\n{\"input_ids\": [1, \"a\"]}\n";
  expect_one_line_error(run("eval --model " + data("models/llama_gqa") + " --data " + dir.file("bad.jsonl")),
                        dir.file("bad.jsonl") + ":2: 'input_ids'[1] must be an integer");
  std::ofstream(dir.file("truncated.gguf")) << "GGUF\x03";
  expect_one_line_error(run("inspect " + dir.file("truncated.gguf")), dir.file("truncated.gguf"));
}

}  // namespace
