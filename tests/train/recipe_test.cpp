// Recipes: YAML (nested or dotted keys) plus flag overrides, clear errors for unknown keys and
// bad values, and config.yaml that reads back to the same recipe.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hone/train/recipe.h"
#include "hone/util/error.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = fs::temp_directory_path() / ("hone_recipe_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path.string();
}

TEST(Recipe, YamlThenFlagsWin) {
  const auto path = write_temp("a.yaml",
                               "model: m\ndata: d.jsonl\nlora:\n  r: 16\n  target_modules: [q_proj, v_proj, o_proj]\n"
                               "lora.alpha: 32\nlr: 1e-4\npacking: true\n");
  TrainRecipe r;
  apply_recipe_yaml(r, path);
  EXPECT_EQ(r.lora.r, 16);
  EXPECT_EQ(r.lora.alpha, 32);
  EXPECT_EQ(r.lora.target_modules, (std::vector<std::string>{"q_proj", "v_proj", "o_proj"}));
  EXPECT_DOUBLE_EQ(r.lr, 1e-4);
  EXPECT_TRUE(r.packing);
  apply_overrides(r, {{"lora.r", "8"}, {"lr", "2e-4"}, {"lora.target_modules", "all-linear"}, {"packing", "false"}});
  EXPECT_EQ(r.lora.r, 8);
  EXPECT_DOUBLE_EQ(r.lr, 2e-4);
  EXPECT_EQ(r.lora.target_modules, (std::vector<std::string>{"all-linear"}));
  EXPECT_FALSE(r.packing);
  fs::remove(path);
}

TEST(Recipe, ResolvedYamlReadsBackIdentically) {
  TrainRecipe r;
  r.model = "m";
  r.data = "d";
  r.lr = 3e-5;
  r.lora.target_modules = {"q_proj", "k_proj"};
  r.lora.use_dora = true;
  r.seed = 42;
  const auto path = write_temp("b.yaml", recipe_to_yaml(r));
  TrainRecipe back;
  apply_recipe_yaml(back, path);
  EXPECT_EQ(recipe_to_yaml(back), recipe_to_yaml(r));
  EXPECT_TRUE(back.lora.use_dora);
  EXPECT_EQ(back.seed, 42u);
  fs::remove(path);
}

void expect_error(const std::function<void()>& fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected an error mentioning " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Recipe, BadKeysAndValuesAreClearErrors) {
  TrainRecipe r;
  expect_error([&] { apply_overrides(r, {{"learning_rate", "1"}}); }, "unknown key 'learning_rate'");
  expect_error([&] { apply_overrides(r, {{"r", "8"}}); }, "did you mean 'lora.r'");
  expect_error([&] { apply_overrides(r, {{"lora.r", "eight"}}); }, "key 'lora.r': expected an integer");
  expect_error([&] { apply_overrides(r, {{"packing", "maybe"}}); }, "expected true or false");
  expect_error([&] { apply_overrides(r, {{"lr", "1e-4x"}}); }, "expected a number");
  const auto bad_yaml = write_temp("c.yaml", "model: m\n  data: [\n");
  expect_error([&] { apply_recipe_yaml(r, bad_yaml); }, "not valid YAML");
  const auto unknown = write_temp("d.yaml", "model: m\nlora:\n  rank: 8\n");
  expect_error([&] { apply_recipe_yaml(r, unknown); }, "unknown key 'lora.rank'");
  TrainRecipe v;
  expect_error([&] { v.validate(); }, "key 'model'");
  v.model = "m";
  v.data = "d";
  v.method = "qlora";
  expect_error([&] { v.validate(); }, "key 'method'");
  v.method = "lora";
  v.lora.r = 0;
  expect_error([&] { v.validate(); }, "lora.r");
  fs::remove(bad_yaml);
  fs::remove(unknown);
}

}  // namespace
}  // namespace hone
