// Every registered method's section reaches the recipe from its one declaration: its keys are
// flags and YAML keys, config.yaml writes and reads them back, and validation checks the chosen
// method's section only.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hone/peft/bitfit/config.h"
#include "hone/peft/registry.h"
#include "hone/train/recipe.h"
#include "support/error_text.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

TEST(RecipeSections, EveryMethodsKeysFollowTheMethodKey) {
  std::vector<std::string> names;
  for (const RecipeKey& k : recipe_keys()) names.push_back(k.name);
  const auto at = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) - names.begin(); };
  for (const AdapterMethod* m : adapter_methods()) {
    if (!m->options) continue;
    for (const OptionKey& k : m->options->keys()) {
      ASSERT_LT(at(k.key), std::ptrdiff_t(names.size())) << k.key << " is not a recipe key";
      EXPECT_GT(at(k.key), at("method"));
      EXPECT_LT(at(k.key), at("gradient_checkpointing"));
    }
  }
  EXPECT_NE(std::find_if(recipe_keys().begin(), recipe_keys().end(),
                         [](const RecipeKey& k) { return k.name == "method"; })->help.find("bitfit"),
            std::string::npos);
}

TEST(RecipeSections, AMethodsSectionRoundTripsThroughConfigYaml) {
  TrainRecipe r;
  r.model = "m";
  r.data = "d";
  r.method = "bitfit";
  EXPECT_EQ(static_cast<const BitfitConfig*>(method_options(r, "bitfit"))->target_modules,
            BitfitConfig{}.target_modules);  // defaults until a key is set
  apply_overrides(r, {{"bitfit.target_modules", "q_proj,mlp.down_proj"}});
  EXPECT_EQ(static_cast<const BitfitConfig*>(method_options(r, "bitfit"))->target_modules,
            (std::vector<std::string>{"q_proj", "mlp.down_proj"}));
  const std::string yaml = recipe_to_yaml(r);
  EXPECT_NE(yaml.find("bitfit:\n  target_modules: [q_proj, mlp.down_proj]"), std::string::npos) << yaml;
  const auto path = (fs::temp_directory_path() / ("hone_sections_" + std::to_string(::getpid()) + ".yaml")).string();
  std::ofstream(path) << yaml;
  TrainRecipe back;
  apply_recipe_yaml(back, path);
  EXPECT_EQ(recipe_to_yaml(back), yaml);
  fs::remove(path);
  EXPECT_EQ(method_options(r, "full"), nullptr);
}

TEST(RecipeSections, ValidationChecksTheChosenMethodsSection) {
  TrainRecipe r;
  r.model = "m";
  r.data = "d";
  r.method = "bitfit";
  r.lora.r = 0;  // another method's section is not checked
  EXPECT_NO_THROW(r.validate());
  apply_overrides(r, {{"bitfit.target_modules", ""}});
  EXPECT_NE(testing::error_text([&] { r.validate(); }).find("bitfit: bitfit.target_modules must not be empty"),
            std::string::npos);
  r.method = "ia3";
  EXPECT_NE(testing::error_text([&] { r.validate(); }).find("key 'method': lora, full, bitfit, ln_tuning, got 'ia3'"),
            std::string::npos);
}

}  // namespace
}  // namespace hone
