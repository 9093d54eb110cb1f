// A training run's settings. Every key can come from a recipe YAML (nested `lora: {r: 8}` or
// dotted `lora.r: 8`) and from a command-line flag of the same name (`--lora.r 8`), flags
// winning. The key names are the interface scripts use: keep them stable.
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hone/optim/optimizer_registry.h"
#include "hone/peft/lora/config.h"

namespace hone {

struct TrainRecipe {
  // What to train on
  std::string model;                 // Hugging Face folder (or GGUF file)
  std::string data;                  // JSONL
  std::string eval_data;             // JSONL for validation (optional)
  double val_split = 0.0;            // else this fraction of `data` is held out
  std::string format = "auto";       // auto | text | completion | alpaca | messages | tokens
  int64_t seq_len = 512;
  std::string truncation = "right";  // which end of a too-long example is dropped
  bool packing = false;
  bool skip_bad_lines = false;
  std::string chat_template;         // built-in template name when the model has none

  // How
  std::string method = "lora";       // a method of the registry (peft/registry.h)
  LoraConfig lora;                   // the lora.* section (code and tests address it by name)
  // Every other method's section by method name, each its own struct (see method_options).
  std::map<std::string, std::any> method_sections;
  bool gradient_checkpointing = false;
  // Matrix products: f32, bf16 (PyTorch autocast's meaning) or auto (bf16 where the CPU has
  // native bf16). config.yaml holds the resolved value; a resumed run keeps it.
  std::string precision = "auto";

  // Optimization
  std::string optimizer = "adamw";   // a name in optim/optimizer_registry.h
  double lr = 2e-4;
  double weight_decay = 0.0;
  // Each registered optimizer's options struct by name (its keys: adam_beta1, momentum, ...);
  // read them with optimizer_options().
  std::map<std::string, std::any> optimizer_sections = default_optimizer_options();
  std::string schedule = "constant"; // constant | linear | cosine
  int64_t warmup_steps = 0;
  double min_lr_ratio = 0.0;
  double max_grad_norm = 1.0;        // 0: no clipping

  // Run length and batching
  int64_t max_steps = 100;           // optimizer steps; 0: derive from epochs
  double epochs = 0;
  int64_t batch_size = 4;
  int64_t grad_accum = 1;
  uint64_t seed = 0;
  int threads = 0;                   // 0: all cores
  bool shard_optimizer = false;      // distributed.shard_optimizer: ZeRO-1 under mpirun

  // Output
  std::string out = "runs/hone";
  int64_t save_every = 0;            // 0: only the final save
  int64_t eval_every = 0;            // 0: only at the end (when there is validation data)
  int64_t log_every = 1;
  bool overwrite = false;
  bool resume = false;

  // Error naming the key when a value is out of range or inconsistent.
  void validate() const;
};

// The struct holding method `name`'s section in `recipe` (its defaults until a key sets one), or
// nullptr for a method without options: what attach_adapter takes.
const void* method_options(const TrainRecipe& recipe, const std::string& name);

// Every recipe key, bound to a TrainRecipe: the trainer's own section, then (after `method`)
// each method's section, all from their declarations (util/option_section.h).
struct RecipeKey {
  std::string name;
  std::string help;
  bool is_flag;  // bool: `--key` alone means true
  std::string type;  // INT, FLOAT, TEXT, LIST or BOOL, for --help
  std::function<std::string(const TrainRecipe&)> get;
  std::function<void(TrainRecipe&, const std::string&)> set;  // Error naming the key on bad text
  std::function<std::vector<std::string>(const TrainRecipe&)> items;  // a LIST's items
};
const std::vector<RecipeKey>& recipe_keys();

// The options struct of optimizer `name` in `recipe` (what make_optimizer takes); Error listing
// the registered optimizers for an unknown name.
const void* optimizer_options(const TrainRecipe& recipe, const std::string& name);

// The message for a key that is not in recipe_keys(), with the closest real key when one is.
std::string unknown_recipe_key_message(const std::string& name);

// Applies a recipe YAML file (Error "<file>: key 'x': ..." for unknown keys and bad values).
void apply_recipe_yaml(TrainRecipe& recipe, const std::string& path);
// Applies `key -> text` overrides (from flags).
void apply_overrides(TrainRecipe& recipe, const std::map<std::string, std::string>& overrides);
// The fully resolved recipe as YAML (nested sections), as written to <out>/config.yaml.
std::string recipe_to_yaml(const TrainRecipe& recipe);

}  // namespace hone
