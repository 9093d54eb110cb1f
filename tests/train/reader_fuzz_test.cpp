// Mutation fuzzing of the train layer's readers (issue 11, item 14): recipe YAML, a checkpoint's
// trainer_state.json and the optimizer state inside it. Each damaged input is read or ends in a
// hone::Error; seeded afresh per run (HONE_FUZZ_SEED=N reproduces).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hone/optim/adamw.h"
#include "hone/optim/optimizer_registry.h"
#include "hone/train/recipe.h"
#include "hone/train/trainer_state.h"
#include "hone/util/json_text.h"
#include "support/fuzz_mutator.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

std::string scratch_file(const std::string& name) {
  const fs::path dir = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  return (dir / ("hone_train_fuzz_" + std::to_string(::getpid()) + "_" + name)).string();
}

TEST(ReaderFuzz, RecipeYaml) {
  const std::string path = scratch_file("recipe.yaml");
  const std::string valid =
      "model: models/x\ndata: d.jsonl\nformat: completion\nmethod: lora\nlora:\n  r: 16\n  alpha: 32\n"
      "  dropout: 0.05\n  target_modules: [q_proj, v_proj]\nseq_len: 512\nbatch_size: 4\ngrad_accum: 2\n"
      "lr: 2.0e-4\nschedule: cosine\nwarmup_steps: 10\nmax_steps: 100\nval_split: 0.1\nseed: 7\n";
  testing::fuzz_reader("recipe YAML", {valid, "model: m\ndata: d\nmethod: full\nepochs: 1.5\npacking: true\n"}, 2000,
                       [&](const std::string& text) {
                         std::ofstream(path, std::ios::trunc) << text;
                         TrainRecipe r;
                         apply_recipe_yaml(r, path);
                         r.validate();
                       });
  fs::remove(path);
}

TEST(ReaderFuzz, TrainerStateAndOptimizerState) {
  const std::string path = scratch_file("trainer_state.json");
  Tensor w = Tensor::full({2, 3}, 0.5).set_name("w");
  w.set_requires_grad(true);
  const std::string valid =
      R"({"step": 4, "max_steps": 10, "micro_step": 8, "seed": 1, "method": "lora",)"
      R"( "data_position": {"epoch": 0, "consumed": 8},)"
      R"( "optimizer": {"type": "adamw", "steps": 4, "param_steps": {"w": 4}}})";
  testing::fuzz_reader("trainer_state.json", {valid}, 3000, [&](const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
    const TrainerState state = read_trainer_state(path);
    ParamGroup group;
    group.name = "all";
    group.params = {w};
    auto optimizer = make_optimizer("adamw", AdamWOptions{}, {group});
    OptimizerState saved;
    saved.scalars = state.optimizer;
    saved.tensors = {{"w.exp_avg", Tensor::full({2, 3}, 0.1)}, {"w.exp_avg_sq", Tensor::full({2, 3}, 0.01)}};
    restore_optimizer_state(*optimizer, saved, path);
  });
  fs::remove(path);
}

}  // namespace
}  // namespace hone
