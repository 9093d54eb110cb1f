// Optimizer keys in recipes: each optimizer's section (optim/optimizer_registry.h) gives the same
// keys recipes have always had, at the same place in --help and config.yaml; YAML and flags set
// them, config.yaml reads them back, and bad values name the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hone/optim/adamw.h"
#include "hone/optim/sgd.h"
#include "hone/train/recipe.h"
#include "support/error_text.h"

namespace hone {
namespace {

namespace fs = std::filesystem;
using testing::error_text;

const AdamWOptions& adamw_of(const TrainRecipe& r) { return *static_cast<const AdamWOptions*>(optimizer_options(r, "adamw")); }
const SgdOptions& sgd_of(const TrainRecipe& r) { return *static_cast<const SgdOptions*>(optimizer_options(r, "sgd")); }

TEST(OptimizerRecipe, KeysKeepTheirNamesAndPlace) {
  std::vector<std::string> names;
  for (const RecipeKey& k : recipe_keys()) names.push_back(k.name);
  const auto at = std::find(names.begin(), names.end(), "optimizer");
  ASSERT_NE(at, names.end());
  EXPECT_EQ(std::vector<std::string>(at, at + 8),
            (std::vector<std::string>{"optimizer", "lr", "weight_decay", "adam_beta1", "adam_beta2", "adam_epsilon",
                                      "momentum", "schedule"}));
  // Each registered optimizer's keys are recipe keys exactly once.
  for (const OptimizerEntry* e : optimizer_entries())
    for (const OptionKey& k : e->options->keys())
      EXPECT_EQ(std::count(names.begin(), names.end(), k.key), 1) << e->name << ": " << k.key;
  const RecipeKey& optimizer = *std::find_if(recipe_keys().begin(), recipe_keys().end(),
                                             [](const RecipeKey& k) { return k.name == "optimizer"; });
  EXPECT_EQ(optimizer.help, "Optimizer: adamw, sgd");
}

TEST(OptimizerRecipe, YamlAndFlagsSetTheChosenOptimizersOptions) {
  TrainRecipe r;
  EXPECT_EQ(adamw_of(r).beta1, 0.9);
  EXPECT_EQ(adamw_of(r).beta2, 0.999);
  EXPECT_EQ(adamw_of(r).eps, 1e-8);
  EXPECT_EQ(sgd_of(r).momentum, 0.0);
  const auto path = (fs::temp_directory_path() / ("hone_optimizer_recipe_" + std::to_string(::getpid()) + ".yaml")).string();
  std::ofstream(path) << "model: m\ndata: d\nadam_beta2: 0.95\nadam_epsilon: 1e-6\n";
  apply_recipe_yaml(r, path);
  apply_overrides(r, {{"optimizer", "sgd"}, {"momentum", "0.9"}, {"adam_beta1", "0.8"}});
  EXPECT_EQ(r.optimizer, "sgd");
  EXPECT_EQ(sgd_of(r).momentum, 0.9);
  EXPECT_EQ(adamw_of(r).beta1, 0.8);
  EXPECT_EQ(adamw_of(r).beta2, 0.95);
  EXPECT_EQ(adamw_of(r).eps, 1e-6);
  EXPECT_NO_THROW(r.validate());

  // config.yaml lists every optimizer's keys at the top level and reads back to the same options.
  const std::string yaml = recipe_to_yaml(r);
  EXPECT_NE(yaml.find("\nadam_beta2: 0.95\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("\nmomentum: 0.9\n"), std::string::npos) << yaml;
  std::ofstream(path) << yaml;
  TrainRecipe back;
  apply_recipe_yaml(back, path);
  EXPECT_EQ(recipe_to_yaml(back), yaml);
  EXPECT_EQ(sgd_of(back).momentum, 0.9);
  EXPECT_EQ(adamw_of(back).eps, 1e-6);
  fs::remove(path);
}

TEST(OptimizerRecipe, BadValuesNameTheKey) {
  TrainRecipe r;
  r.model = "m";
  r.data = "d";
  r.optimizer = "adagrad";
  EXPECT_EQ(error_text([&] { r.validate(); }), "key 'optimizer': unknown optimizer 'adagrad' (optimizers: adamw, sgd)");
  r.optimizer = "adamw";
  apply_overrides(r, {{"adam_beta1", "1"}});
  EXPECT_EQ(error_text([&] { r.validate(); }), "adam_beta1 must be in [0, 1), got 1");
  r.optimizer = "sgd";  // the chosen optimizer's options are the ones checked
  EXPECT_NO_THROW(r.validate());
  apply_overrides(r, {{"momentum", "-0.5"}});
  EXPECT_EQ(error_text([&] { r.validate(); }), "momentum must be >= 0, got -0.5");
  EXPECT_EQ(error_text([&] { apply_overrides(r, {{"adam_epsilon", "tiny"}}); }),
            "key 'adam_epsilon': expected a number, got 'tiny'");
}

}  // namespace
}  // namespace hone
