#include "hone/train/recipe.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <sstream>

#include "hone/util/error.h"

namespace hone {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

int64_t parse_int(const std::string& key, const std::string& text) {
  int64_t v = 0;
  const std::string t = trim(text);
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  HONE_CHECK(ec == std::errc() && p == t.data() + t.size(), "key '", key, "': expected an integer, got '", text, "'");
  return v;
}

double parse_double(const std::string& key, const std::string& text) {
  const std::string t = trim(text);
  try {
    size_t used = 0;
    const double v = std::stod(t, &used);
    HONE_CHECK(used == t.size() && std::isfinite(v), "");
    return v;
  } catch (...) {
    HONE_FAIL("key '", key, "': expected a number, got '", text, "'");
  }
}

bool parse_bool(const std::string& key, const std::string& text) {
  const std::string t = trim(text);
  if (t == "true" || t == "True" || t == "1" || t == "yes") return true;
  if (t == "false" || t == "False" || t == "0" || t == "no") return false;
  HONE_FAIL("key '", key, "': expected true or false, got '", text, "'");
}

std::vector<std::string> parse_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    item = trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string format_double(double v) {
  std::ostringstream out;
  out.precision(17);
  out << v;
  std::string s = out.str();
  // Shortest form that reads back exactly.
  for (int p = 1; p <= 17; ++p) {
    std::ostringstream o;
    o.precision(p);
    o << v;
    if (std::stod(o.str()) == v) return o.str();
  }
  return s;
}

template <class Field>
constexpr const char* type_name_of() {
  if constexpr (std::is_same_v<Field, bool>) return "BOOL";
  else if constexpr (std::is_same_v<Field, double>) return "FLOAT";
  else if constexpr (std::is_same_v<Field, std::string>) return "TEXT";
  else return "INT";
}

template <class Field>
RecipeKey key(std::string name, std::string help, Field TrainRecipe::*field) {
  RecipeKey k{name, std::move(help), std::is_same_v<Field, bool>, type_name_of<Field>(), nullptr, nullptr};
  k.get = [field](const TrainRecipe& r) -> std::string {
    const auto& v = r.*field;
    if constexpr (std::is_same_v<Field, bool>) return v ? "true" : "false";
    else if constexpr (std::is_same_v<Field, double>) return format_double(v);
    else if constexpr (std::is_same_v<Field, std::string>) return v;
    else return std::to_string(v);
  };
  k.set = [field, name](TrainRecipe& r, const std::string& text) {
    auto& v = r.*field;
    if constexpr (std::is_same_v<Field, bool>) v = parse_bool(name, text);
    else if constexpr (std::is_same_v<Field, double>) v = parse_double(name, text);
    else if constexpr (std::is_same_v<Field, std::string>) v = trim(text);
    else v = Field(parse_int(name, text));
  };
  return k;
}

template <class Field>
RecipeKey lora_key(std::string name, std::string help, Field LoraConfig::*field) {
  RecipeKey k{name, std::move(help), std::is_same_v<Field, bool>, type_name_of<Field>(), nullptr, nullptr};
  k.get = [field](const TrainRecipe& r) -> std::string {
    const auto& v = r.lora.*field;
    if constexpr (std::is_same_v<Field, bool>) return v ? "true" : "false";
    else if constexpr (std::is_same_v<Field, double>) return format_double(v);
    else if constexpr (std::is_same_v<Field, std::string>) return v;
    else return std::to_string(v);
  };
  k.set = [field, name](TrainRecipe& r, const std::string& text) {
    auto& v = r.lora.*field;
    if constexpr (std::is_same_v<Field, bool>) v = parse_bool(name, text);
    else if constexpr (std::is_same_v<Field, double>) v = parse_double(name, text);
    else if constexpr (std::is_same_v<Field, std::string>) v = trim(text);
    else v = Field(parse_int(name, text));
  };
  return k;
}

std::vector<RecipeKey> make_keys() {
  using R = TrainRecipe;
  std::vector<RecipeKey> k = {
      key("model", "Base model: a Hugging Face folder (config.json, safetensors, tokenizer.json)", &R::model),
      key("data", "Training data (JSONL)", &R::data),
      key("eval_data", "Validation data (JSONL); else val_split of data is held out", &R::eval_data),
      key("val_split", "Fraction of data held out for validation when eval_data is not given", &R::val_split),
      key("format", "Data format: auto, text, completion, alpaca, messages or tokens", &R::format),
      key("seq_len", "Maximum tokens per sequence (longer examples are truncated)", &R::seq_len),
      key("truncation", "Which end of a too-long example to drop: right or left", &R::truncation),
      key("packing", "Pack several examples per sequence (attention stays within each)", &R::packing),
      key("skip_bad_lines", "Skip malformed data lines with a counted warning instead of failing", &R::skip_bad_lines),
      key("chat_template", "Built-in chat template (chatml, llama3, llama2, mistral, alpaca) when the model has none",
          &R::chat_template),
      key("method", "Fine-tuning method: lora or full", &R::method),
      lora_key("lora.r", "LoRA rank", &LoraConfig::r),
      lora_key("lora.alpha", "LoRA alpha (scaling alpha / r)", &LoraConfig::alpha),
      lora_key("lora.dropout", "Dropout on the LoRA input", &LoraConfig::dropout),
      RecipeKey{"lora.target_modules", "Modules to adapt: leaf names (q_proj,v_proj) or all-linear", false, "LIST",
                [](const TrainRecipe& r) {
                  std::string s;
                  for (const auto& t : r.lora.target_modules) s += (s.empty() ? "" : ",") + t;
                  return s;
                },
                [](TrainRecipe& r, const std::string& text) {
                  r.lora.target_modules = parse_list(text);
                  HONE_CHECK(!r.lora.target_modules.empty(), "key 'lora.target_modules': empty list");
                }},
      lora_key("lora.use_rslora", "Rank-stabilised scaling alpha / sqrt(r)", &LoraConfig::use_rslora),
      lora_key("lora.use_dora", "Weight-decomposed LoRA (DoRA)", &LoraConfig::use_dora),
      lora_key("lora.init", "LoRA init: default (Kaiming-uniform A, zero B) or gaussian", &LoraConfig::init),
      key("gradient_checkpointing", "Recompute each layer's activations in backward (less memory, ~1/3 slower)",
          &R::gradient_checkpointing),
      key("optimizer", "Optimizer: adamw or sgd", &R::optimizer),
      key("lr", "Peak learning rate", &R::lr),
      key("weight_decay", "Decoupled weight decay (AdamW) or L2 (SGD); not applied to biases and norms", &R::weight_decay),
      key("adam_beta1", "AdamW beta1", &R::adam_beta1),
      key("adam_beta2", "AdamW beta2", &R::adam_beta2),
      key("adam_epsilon", "AdamW epsilon", &R::adam_epsilon),
      key("momentum", "SGD momentum", &R::momentum),
      key("schedule", "Learning-rate schedule: constant, linear or cosine (after warmup)", &R::schedule),
      key("warmup_steps", "Linear warmup steps", &R::warmup_steps),
      key("min_lr_ratio", "Floor of the linear/cosine decay as a fraction of lr", &R::min_lr_ratio),
      key("max_grad_norm", "Clip the global gradient norm to this (0: no clipping)", &R::max_grad_norm),
      key("max_steps", "Optimizer steps to run (0: derive from epochs)", &R::max_steps),
      key("epochs", "Passes over the data when max_steps is 0", &R::epochs),
      key("batch_size", "Sequences per micro-batch", &R::batch_size),
      key("grad_accum", "Micro-batches per optimizer step", &R::grad_accum),
      key("seed", "Seed for init, data order and dropout", &R::seed),
      key("threads", "Threads for kernels and BLAS (0: all cores)", &R::threads),
      key("out", "Run folder (config.yaml, metrics.jsonl, checkpoints/, adapter/ or model/)", &R::out),
      key("save_every", "Write a checkpoint every N steps (0: only at the end)", &R::save_every),
      key("eval_every", "Evaluate on the validation data every N steps (0: only at the end)", &R::eval_every),
      key("log_every", "Write a metrics line every N steps", &R::log_every),
      key("overwrite", "Replace a run folder that holds another run", &R::overwrite),
      key("resume", "Continue from the newest checkpoint in the run folder", &R::resume),
  };
  return k;
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
    const std::string k = item.first.as<std::string>();
    const std::string name = prefix.empty() ? k : prefix + "." + k;
    const YAML::Node& v = item.second;
    const int line = v.Mark().line + 1;
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
    const std::string value = k.get(recipe);
    out << YAML::Key << leaf << YAML::Value;
    if (k.name == "lora.target_modules") {
      out << YAML::Flow << YAML::BeginSeq;
      for (const auto& t : recipe.lora.target_modules) out << t;
      out << YAML::EndSeq;
    } else {
      out << value;
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
  HONE_CHECK(method == "lora" || method == "full", "key 'method': lora or full, got '", method, "'");
  if (method == "lora") with_context("lora", [&] { lora.validate(); });
  HONE_CHECK(optimizer == "adamw" || optimizer == "sgd", "key 'optimizer': adamw or sgd, got '", optimizer, "'");
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
