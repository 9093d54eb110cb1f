// One smoke run per model family beyond Llama/Mistral/Qwen2 (Qwen3, Gemma 3), as a user would drive it: `hone
// inspect` names the family, `export` writes a GGUF that generates and evaluates like the folder,
// `train` fits a LoRA on named target modules, and eval, generate and the GGUF LoRA export take
// that adapter.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "support/hone_cli.h"

namespace hone {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::run_hone;

std::string data(const std::string& path) { return "'" + std::string(HONE_TEST_DATA_DIR) + "/" + path + "'"; }

Json run_json(const std::string& arguments) {
  const auto r = run_hone(arguments, false);
  EXPECT_EQ(r.exit_code, 0) << arguments << "\n" << run_hone(arguments).output;
  return r.exit_code == 0 ? Json::parse(r.output) : Json::object();
}

struct FamilyCase {
  const char* variant;     // tests/data/models/<variant>
  const char* family;      // what inspect reports
  const char* targets;     // --lora.target_modules
};

void PrintTo(const FamilyCase& c, std::ostream* os) { *os << c.variant; }

class FamilyCli : public ::testing::TestWithParam<FamilyCase> {};

TEST_P(FamilyCli, InspectExportGenerateEvalTrain) {
  const FamilyCase c = GetParam();
  const fs::path dir = fs::temp_directory_path() / ("hone_family_cli_" + std::string(c.variant) + "_" +
                                                    std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string model = data("models/" + std::string(c.variant));
  const std::string gguf = (dir / "m.gguf").string(), run_dir = (dir / "run").string();

  const Json info = run_json("inspect " + model + " --json");
  EXPECT_EQ(info["family"], c.family);

  ASSERT_EQ(run_hone("export --model " + model + " --format gguf --dtype f32 --out '" + gguf + "'").exit_code, 0);
  EXPECT_EQ(run_json("inspect '" + gguf + "' --json")["family"], c.family);
  const std::string generate = " --prompt-ids 1,17,42,5,88,23,9 --max-new-tokens 6 --temperature 0 --json";
  const Json from_folder = run_json("generate --model " + model + generate);
  EXPECT_EQ(from_folder["ids"].size(), 6u) << from_folder.dump();
  EXPECT_EQ(run_json("generate --model '" + gguf + "'" + generate)["ids"], from_folder["ids"]);
  const std::string eval = " --data " + data("eval/tokens.jsonl") + " --json";
  const double loss = run_json("eval --model " + model + eval)["loss"];
  EXPECT_TRUE(std::isfinite(loss));
  EXPECT_NEAR(run_json("eval --model '" + gguf + "'" + eval)["loss"].get<double>(), loss, 1e-5);

  const auto trained = run_hone("train --model " + model + " --data " + data("train/full_ft.jsonl") +
                                    " --format tokens --lora.r 4 --lora.target_modules " + c.targets +
                                    " --seq_len 16 --batch_size 2 --lr 5e-2 --threads 1 --max_steps 4 --out '" +
                                    run_dir + "' --json",
                                false);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const std::string adapter = " --adapter '" + run_dir + "/adapter'";
  const double tuned = run_json("eval --model " + model + adapter + eval)["loss"];
  EXPECT_TRUE(std::isfinite(tuned));
  EXPECT_NE(tuned, loss) << "the adapter changes nothing";
  EXPECT_EQ(run_json("generate --model " + model + adapter + generate)["ids"].size(), 6u);
  EXPECT_EQ(run_hone("export --model " + model + adapter + " --format gguf --out '" + (dir / "lora.gguf").string() + "'")
                .exit_code,
            0);
  EXPECT_TRUE(fs::exists(dir / "lora.gguf"));
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Families, FamilyCli,
                         ::testing::Values(FamilyCase{"qwen3", "qwen3", "q_proj,k_proj,v_proj,o_proj,down_proj"},
                                           FamilyCase{"gemma3", "gemma3_text", "q_proj,v_proj,gate_proj,up_proj"}),
                         [](const auto& info) { return std::string(info.param.variant); });

}  // namespace
}  // namespace hone
