// The run's precision: the recipe key resolved on this CPU, written resolved into config.yaml,
// and kept by a resumed run (an explicit different request is an error naming the key).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hone/tensor/onednn_products.h"
#include "hone/train/recipe.h"
#include "hone/train/run_precision.h"
#include "hone/util/error.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

std::string config_with(const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("hone_precision_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "config.yaml").string();
  std::ofstream(path) << text;
  return path;
}

TEST(RunPrecision, AutoResolvesOnThisCpu) {
  const Precision native = kernels::cpu_has_native_bf16() ? Precision::BF16 : Precision::F32;
  EXPECT_EQ(resolve_run_precision("auto", "/nonexistent/config.yaml", false), native);
  EXPECT_EQ(resolve_run_precision("f32", "/nonexistent/config.yaml", false), Precision::F32);
  EXPECT_EQ(resolve_run_precision("bf16", "/nonexistent/config.yaml", false), Precision::BF16);
}

TEST(RunPrecision, ResumedRunKeepsItsPrecision) {
  const std::string bf16_run = config_with("method: lora\nprecision: bf16\n");
  EXPECT_EQ(resolve_run_precision("auto", bf16_run, true), Precision::BF16);
  EXPECT_EQ(resolve_run_precision("bf16", bf16_run, true), Precision::BF16);
  try {
    resolve_run_precision("f32", bf16_run, true);
    FAIL() << "an explicit precision that differs from the run's must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("was trained in bf16"), std::string::npos) << e.what();
  }
  // Not resuming: the old folder's value does not matter.
  EXPECT_EQ(resolve_run_precision("f32", bf16_run, false), Precision::F32);
  // A run from before the key existed resolves as a new one.
  const std::string old_run = config_with("method: lora\n");
  EXPECT_EQ(resolve_run_precision("f32", old_run, true), Precision::F32);
  fs::remove_all(fs::path(bf16_run).parent_path());
}

TEST(RunPrecision, RecipeKeyIsValidated) {
  TrainRecipe r;
  r.model = "m";
  r.data = "d.jsonl";
  EXPECT_EQ(r.precision, "auto");
  apply_overrides(r, {{"precision", "bf16"}});
  EXPECT_EQ(r.precision, "bf16");
  EXPECT_NE(recipe_to_yaml(r).find("precision: bf16"), std::string::npos);
  r.precision = "fp16";
  try {
    r.validate();
    FAIL() << "precision fp16 must be rejected";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("key 'precision'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hone
