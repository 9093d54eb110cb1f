// A key given twice in a recipe (directly, or once nested and once dotted) is an error naming
// the line, not a silent choice of one of the two values (issue 11, item 11).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hone/train/recipe.h"
#include "hone/util/error.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

std::string error_for(const std::string& text) {
  const auto path = fs::temp_directory_path() / ("hone_recipe_dup_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path, std::ios::trunc) << text;
  TrainRecipe r;
  std::string message = "(no error)";
  try {
    apply_recipe_yaml(r, path.string());
  } catch (const Error& e) {
    message = e.what();
  }
  fs::remove(path);
  return message;
}

TEST(RecipeDuplicateKeys, ARepeatedKeyIsAnErrorNamingItsLine) {
  EXPECT_NE(error_for("model: a\nlr: 1e-4\nlr: 1e-3\n").find(".yaml:3: key 'lr' appears twice"), std::string::npos)
      << error_for("model: a\nlr: 1e-4\nlr: 1e-3\n");
  const std::string nested = error_for("lora:\n  r: 8\nlora.r: 16\n");
  EXPECT_NE(nested.find("key 'lora.r' appears twice"), std::string::npos) << nested;
  const std::string map_key = error_for("? [a, b]\n: 1\n");
  EXPECT_NE(map_key.find("a key must be a plain name"), std::string::npos) << map_key;
  EXPECT_EQ(error_for("model: a\nlora:\n  r: 8\n  alpha: 16\n"), "(no error)");
}

}  // namespace
}  // namespace hone
