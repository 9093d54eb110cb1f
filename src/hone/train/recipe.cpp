#include "hone/train/recipe.h"

#include <yaml-cpp/yaml.h>

#include "hone/peft/registry.h"
#include "hone/util/error.h"
#include "hone/util/option_section.h"

namespace hone {

namespace {

// Binds a declared key to where its section's struct lives inside a TrainRecipe.
RecipeKey bind(const OptionKey& k, std::function<const void*(const TrainRecipe&)> at) {
  auto at_mut = [at](TrainRecipe& r) { return const_cast<void*>(at(r)); };
  return RecipeKey{k.key,
                   k.help,
                   k.is_flag(),
                   option_type_name(k.type),
                   [get = k.get, at](const TrainRecipe& r) { return get(at(r)); },
                   [set = k.set, at_mut](TrainRecipe& r, const std::string& text) { set(at_mut(r), text); },
                   [items = k.items, at](const TrainRecipe& r) { return items(at(r)); }};
}

// The trainer's own keys (every section without a prefix). Defaults are TrainRecipe{}'s values.
const OptionSection<TrainRecipe>& top_level_section() {
  using R = TrainRecipe;
  static const auto section =
      OptionSection<R>("")
          .add("model", &R::model, "Base model: a Hugging Face folder (config.json, safetensors, tokenizer.json)")
          .add("data", &R::data, "Training data (JSONL)")
          .add("eval_data", &R::eval_data, "Validation data (JSONL); else val_split of data is held out")
          .add("val_split", &R::val_split, "Fraction of data held out for validation when eval_data is not given")
          .add("format", &R::format, "Data format: auto, text, completion, alpaca, messages or tokens")
          .add("seq_len", &R::seq_len, "Maximum tokens per sequence (longer examples are truncated)")
          .add("truncation", &R::truncation, "Which end of a too-long example to drop: right or left")
          .add("packing", &R::packing, "Pack several examples per sequence (attention stays within each)")
          .add("skip_bad_lines", &R::skip_bad_lines, "Skip malformed data lines with a counted warning instead of failing")
          .add("chat_template", &R::chat_template,
               "Built-in chat template (chatml, llama3, llama2, mistral, alpaca) when the model has none")
          .add("method", &R::method, "Fine-tuning method: " + adapter_method_names())
          .add("gradient_checkpointing", &R::gradient_checkpointing,
               "Recompute each layer's activations in backward (less memory, ~1/3 slower)")
          .add("precision", &R::precision,
               "Matrix products: f32, bf16 (bf16 inputs, f32 accumulation, frozen weights kept in bf16, as PyTorch's "
               "CPU autocast) or auto (bf16 where the CPU has AVX512_BF16 or AMX, else f32)",
               one_of({"f32", "bf16", "auto"}))
          .add("optimizer", &R::optimizer, "Optimizer: " + optimizer_names())
          .add("lr", &R::lr, "Peak learning rate")
          .add("weight_decay", &R::weight_decay, "Decoupled weight decay (AdamW) or L2 (SGD); not applied to biases and norms")
          .add("schedule", &R::schedule, "Learning-rate schedule: constant, linear or cosine (after warmup)")
          .add("warmup_steps", &R::warmup_steps, "Linear warmup steps")
          .add("min_lr_ratio", &R::min_lr_ratio, "Floor of the linear/cosine decay as a fraction of lr")
          .add("max_grad_norm", &R::max_grad_norm, "Clip the global gradient norm to this (0: no clipping)")
          .add("max_steps", &R::max_steps, "Optimizer steps to run (0: derive from epochs)")
          .add("epochs", &R::epochs, "Passes over the data when max_steps is 0")
          .add("batch_size", &R::batch_size, "Sequences per micro-batch")
          .add("grad_accum", &R::grad_accum, "Micro-batches per optimizer step")
          .add("seed", &R::seed, "Seed for init, data order and dropout")
          .add("threads", &R::threads, "Threads for kernels and BLAS (0: all cores)")
          .add("distributed.shard_optimizer", &R::shard_optimizer,
               "Under mpirun: each rank keeps the optimizer state of, and updates, its share of the trained tensors (ZeRO-1)")
          .add("out", &R::out, "Run folder (config.yaml, metrics.jsonl, checkpoints/, adapter/ or model/)")
          .add("save_every", &R::save_every, "Write a checkpoint every N steps (0: only at the end)")
          .add("eval_every", &R::eval_every, "Evaluate on the validation data every N steps (0: only at the end)")
          .add("log_every", &R::log_every, "Write a metrics line every N steps")
          .add("overwrite", &R::overwrite, "Replace a run folder that holds another run")
          .add("resume", &R::resume, "Continue from the newest checkpoint in the run folder");
  return section;
}

// Where a method's section lives: LoRA's in the named field `lora`, every other one in
// method_sections (created with the section's defaults when a key is first set; read as the
// defaults until then).
void* section_values(TrainRecipe& r, const AdapterMethod& m) {
  if (m.options == &lora_section()) return &r.lora;
  auto it = r.method_sections.find(m.name);
  if (it == r.method_sections.end()) it = r.method_sections.emplace(m.name, m.options->make_defaults()).first;
  return m.options->values_in(it->second);
}

const void* section_values(const TrainRecipe& r, const AdapterMethod& m) {
  if (m.options == &lora_section()) return &r.lora;
  const auto it = r.method_sections.find(m.name);
  if (it != r.method_sections.end()) return m.options->values_in(const_cast<std::any&>(it->second));
  static std::map<std::string, std::any> defaults;
  auto d = defaults.find(m.name);
  if (d == defaults.end()) d = defaults.emplace(m.name, m.options->make_defaults()).first;
  return m.options->values_in(d->second);
}

// A method's key bound to its section's struct in a recipe.
RecipeKey bind_method_key(const OptionKey& k, const AdapterMethod* m) {
  RecipeKey key = bind(k, [m](const TrainRecipe& r) { return section_values(r, *m); });
  key.set = [set = k.set, m](TrainRecipe& r, const std::string& text) { set(section_values(r, *m), text); };
  return key;
}

// An optimizer's key bound to its options struct in a recipe's optimizer_sections.
RecipeKey bind_optimizer_key(const OptionKey& k, const std::string& optimizer) {
  return bind(k, [optimizer](const TrainRecipe& r) { return optimizer_options(r, optimizer); });
}

std::vector<RecipeKey> make_keys() {
  std::vector<RecipeKey> keys;
  for (const OptionKey& k : top_level_section().keys()) {
    keys.push_back(bind(k, [](const TrainRecipe& r) -> const void* { return &r; }));
    // The optimizers' sections follow the optimizer keys every optimizer shares.
    if (k.key == "weight_decay")
      for (const OptimizerEntry* e : optimizer_entries())
        for (const OptionKey& ok : e->options->keys()) keys.push_back(bind_optimizer_key(ok, e->name));
    // Each method's section follows the key that chooses the method.
    if (k.key == "method")
      for (const AdapterMethod* m : adapter_methods())
        if (m->options)
          for (const OptionKey& mk : m->options->keys()) keys.push_back(bind_method_key(mk, m));
  }
  return keys;
}

const RecipeKey* find_key(const std::string& name) {
  for (const RecipeKey& k : recipe_keys())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace

std::string unknown_recipe_key_message(const std::string& name) {
  // Suggest a key that differs only in separators or shares the last part.
  std::string hint;
  std::string flat = name;
  for (char& c : flat) if (c == '-') c = '_';
  for (const RecipeKey& k : recipe_keys()) {
    const auto dot = k.name.rfind('.');
    const std::string leaf = dot == std::string::npos ? k.name : k.name.substr(dot + 1);
    if (k.name == flat || leaf == flat) hint = " (did you mean '" + k.name + "'?)";
  }
  return "unknown key '" + name + "'" + hint + "; `hone train --help` lists every key";
}

namespace {

void flatten(const YAML::Node& node, const std::string& prefix, std::map<std::string, std::string>& out,
             const std::string& path) {
  for (const auto& item : node) {
    HONE_CHECK(item.first.IsScalar(), path, ":", item.first.Mark().line + 1, ": a key must be a plain name");
    const std::string k = item.first.as<std::string>();
    const std::string name = prefix.empty() ? k : prefix + "." + k;
    const YAML::Node& v = item.second;
    const int line = v.Mark().line + 1;
    // yaml-cpp keeps both copies of a repeated key and lookups see only one: which setting wins
    // would be an accident of the parser.
    HONE_CHECK(!out.count(name), path, ":", item.first.Mark().line + 1, ": key '", name, "' appears twice");
    if (v.IsMap()) {
      flatten(v, name, out, path);
    } else if (v.IsSequence()) {
      std::string joined;
      for (const auto& e : v) {
        HONE_CHECK(e.IsScalar(), path, ":", line, ": key '", name, "': list items must be plain values");
        joined += (joined.empty() ? "" : ",") + e.as<std::string>();
      }
      out[name] = joined;
    } else if (v.IsNull()) {
      out[name] = "";
    } else {
      out[name] = v.as<std::string>();
    }
  }
}

}  // namespace

const void* optimizer_options(const TrainRecipe& recipe, const std::string& name) {
  const OptimizerEntry& entry = optimizer_entry(name);
  const auto it = recipe.optimizer_sections.find(name);
  HONE_CHECK(it != recipe.optimizer_sections.end(), "the recipe holds no options for optimizer '", name, "'");
  const void* values = entry.options->values_in(const_cast<std::any&>(it->second));
  HONE_CHECK(values, "the recipe's options for optimizer '", name, "' are not its section's struct");
  return values;
}

const void* method_options(const TrainRecipe& recipe, const std::string& name) {
  const AdapterMethod& m = adapter_method(name);
  return m.options ? section_values(recipe, m) : nullptr;
}

const std::vector<RecipeKey>& recipe_keys() {
  static const std::vector<RecipeKey> keys = make_keys();
  return keys;
}

void apply_overrides(TrainRecipe& recipe, const std::map<std::string, std::string>& overrides) {
  for (const auto& [name, text] : overrides) {
    const RecipeKey* k = find_key(name);
    HONE_CHECK(k, unknown_recipe_key_message(name));
    k->set(recipe, text);
  }
}

void apply_recipe_yaml(TrainRecipe& recipe, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    HONE_FAIL(path, ": cannot open the recipe");
  } catch (const YAML::Exception& e) {
    HONE_FAIL(path, ":", e.mark.line + 1, ": not valid YAML: ", e.msg);
  }
  if (root.IsNull()) return;
  HONE_CHECK(root.IsMap(), path, ": a recipe is a mapping of keys to values");
  std::map<std::string, std::string> flat;
  flatten(root, "", flat, path);
  with_context(path, [&] { apply_overrides(recipe, flat); });
}

std::string recipe_to_yaml(const TrainRecipe& recipe) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  std::string open_section;
  for (const RecipeKey& k : recipe_keys()) {
    const auto dot = k.name.find('.');
    const std::string section = dot == std::string::npos ? "" : k.name.substr(0, dot);
    if (section != open_section) {
      if (!open_section.empty()) out << YAML::EndMap;
      if (!section.empty()) out << YAML::Key << section << YAML::Value << YAML::BeginMap;
      open_section = section;
    }
    const std::string leaf = dot == std::string::npos ? k.name : k.name.substr(dot + 1);
    out << YAML::Key << leaf << YAML::Value;
    if (k.type == std::string("LIST")) {
      out << YAML::Flow << YAML::BeginSeq;
      for (const auto& t : k.items(recipe)) out << t;
      out << YAML::EndSeq;
    } else {
      out << k.get(recipe);
    }
  }
  if (!open_section.empty()) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

void TrainRecipe::validate() const {
  HONE_CHECK(!model.empty(), "key 'model': required (a Hugging Face model folder)");
  HONE_CHECK(!data.empty(), "key 'data': required (a JSONL file)");
  HONE_CHECK(val_split >= 0 && val_split < 1, "key 'val_split': must be in [0, 1), got ", val_split);
  HONE_CHECK(seq_len >= 2, "key 'seq_len': must be at least 2, got ", seq_len);
  HONE_CHECK(truncation == "right" || truncation == "left", "key 'truncation': right or left, got '", truncation, "'");
  bool known = false;
  for (const AdapterMethod* m : adapter_methods()) known = known || m->name == method;
  HONE_CHECK(known, "key 'method': ", adapter_method_names(), ", got '", method, "'");
  HONE_CHECK(precision == "f32" || precision == "bf16" || precision == "auto", "key 'precision': f32, bf16 or auto, got '",
             precision, "'");
  const AdapterMethod& m = adapter_method(method);
  if (m.options) with_context(method, [&] { m.options->validate_at(method_options(*this, method)); });
  const OptimizerEntry& chosen =
      with_context("key 'optimizer'", [&]() -> const OptimizerEntry& { return optimizer_entry(optimizer); });
  chosen.options->validate_at(optimizer_options(*this, optimizer));  // "adam_beta1 must be in [0, 1), got 1"
  HONE_CHECK(lr >= 0, "key 'lr': must be >= 0, got ", lr);
  HONE_CHECK(weight_decay >= 0, "key 'weight_decay': must be >= 0");
  HONE_CHECK(schedule == "constant" || schedule == "linear" || schedule == "cosine",
             "key 'schedule': constant, linear or cosine, got '", schedule, "'");
  HONE_CHECK(warmup_steps >= 0, "key 'warmup_steps': must be >= 0");
  HONE_CHECK(max_grad_norm >= 0, "key 'max_grad_norm': must be >= 0");
  HONE_CHECK(max_steps > 0 || epochs > 0, "key 'max_steps': give max_steps > 0 or epochs > 0");
  HONE_CHECK(max_steps >= 0, "key 'max_steps': must be >= 0");
  HONE_CHECK(batch_size >= 1, "key 'batch_size': must be >= 1, got ", batch_size);
  HONE_CHECK(grad_accum >= 1, "key 'grad_accum': must be >= 1, got ", grad_accum);
  HONE_CHECK(save_every >= 0 && eval_every >= 0 && log_every >= 1, "keys save_every/eval_every must be >= 0 and log_every >= 1");
  HONE_CHECK(!out.empty(), "key 'out': required (the run folder)");
}

}  // namespace hone
