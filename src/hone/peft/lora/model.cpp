#include "hone/peft/lora/model.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "hone/io/safetensors.h"
#include "hone/peft/target_modules.h"
#include "hone/tensor/finite_check.h"
#include "hone/util/atomic_file.h"

namespace hone {

namespace {
void detach_adapter(LinearModule& module, const std::shared_ptr<LoraAdapter>& adapter) {
  auto& list = module.adapters;
  list.erase(std::remove(list.begin(), list.end(), std::static_pointer_cast<LinearAdapter>(adapter)), list.end());
}
}  // namespace

// Streams 1001, 1002, ... in model order: a module's init and dropout stream do not depend on
// which other modules are targeted.
constexpr uint64_t kFirstAdapterStream = 1001;

LoraModel LoraModel::attach(DecoderModel& model, const LoraConfig& config, uint64_t seed) {
  config.validate();
  LoraModel lm;
  lm.config_ = config;
  uint64_t stream = kFirstAdapterStream;
  for (LinearModule* m : model.linear_modules()) {
    const uint64_t this_stream = stream++;
    if (!config.targets(m->name)) continue;
    lm.add_adapter(*m, std::make_shared<LoraAdapter>(*m, config.rank_for(m->name), config.scaling_for(m->name),
                                                     config.dropout, config.use_dora, config.init, seed, this_stream));
  }
  lm.check_some_module_targeted("lora.");
  lm.check_every_target_matches(model, "lora.");
  return lm;
}

void LoraModel::add_adapter(LinearModule& module, std::shared_ptr<LoraAdapter> adapter) {
  module.adapters.push_back(adapter);
  adapters_.emplace_back(&module, std::move(adapter));
}

void LoraModel::check_some_module_targeted(const std::string& source) const {
  if (!adapters_.empty()) return;
  HONE_FAIL(source, "target_modules matches no linear layer of this model (its layers: q_proj, k_proj, v_proj, o_proj, ",
            "gate_proj, up_proj, down_proj, or all-linear)");
}

// `q_proj,foo`: a misspelt entry would otherwise train fewer layers than asked without a word.
void LoraModel::check_every_target_matches(DecoderModel& model, const std::string& source) const {
  if (config_.target_regex) return;
  for (const std::string& target : config_.target_modules) {
    if (target == "all-linear") continue;
    bool matched = false;
    for (LinearModule* m : model.linear_modules()) matched = matched || targets_module({target}, m->name);
    HONE_CHECK(matched, source, "target_modules: '", target, "' matches no linear layer of this model (its layers: ",
               "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, or all-linear)");
  }
}

std::vector<Tensor> LoraModel::trainable_parameters() const {
  std::vector<Tensor> out;
  for (const auto& [module, a] : adapters_) {
    out.push_back(a->lora_A());
    out.push_back(a->lora_B());
    if (a->use_dora()) out.push_back(a->magnitude());
  }
  return out;
}

int64_t LoraModel::trainable_parameter_count() const {
  int64_t n = 0;
  for (const Tensor& t : trainable_parameters()) n += t.numel();
  return n;
}

NamedTensors LoraModel::peft_tensors() const {
  NamedTensors out;
  for (const auto& [module, a] : adapters_) {
    const std::string key = kPeftKeyPrefix + module->name;
    out.emplace_back(key + ".lora_A.weight", a->lora_A());
    out.emplace_back(key + ".lora_B.weight", a->lora_B());
    if (a->use_dora()) out.emplace_back(key + ".lora_magnitude_vector", a->magnitude());
  }
  return out;
}

void LoraModel::save(const std::string& dir) const { save_peft_folder(dir, lora_config_to_peft_json(config_), peft_tensors()); }

LoraModel LoraModel::load(DecoderModel& model, const std::string& dir) {
  const std::string config_path = dir + "/adapter_config.json";
  const std::string weights_path = dir + "/adapter_model.safetensors";
  const LoraConfig config = lora_config_from_peft_json(read_peft_config(dir), config_path);
  const SafetensorsFile file = open_peft_weights(dir);
  std::set<std::string> unused;
  for (const auto& e : file.entries()) unused.insert(e.name);

  auto take = [&](const std::string& key) {
    HONE_CHECK(file.contains(key), weights_path, ": missing tensor '", key, "' for a module the config targets");
    const SafetensorsEntry& entry = file.entry(key);
    HONE_CHECK(entry.loadable && (entry.dtype == DType::F32 || entry.dtype == DType::F16 || entry.dtype == DType::BF16),
               weights_path, ": tensor '", key, "' is ", entry.file_dtype, " (expected F32, F16 or BF16)");
    unused.erase(key);
    Tensor t = file.get(key);
    check_finite(t, key, weights_path);
    return t;
  };
  auto expect_shape = [&](const std::string& key, const Tensor& t, const Shape& want, const std::string& why) {
    HONE_CHECK(t.shape() == want, weights_path, ": tensor '", key, "' has shape ", t.shape().str(), " but ", why,
               " needs ", want.str());
  };

  LoraModel lm;
  lm.config_ = config;
  std::vector<std::pair<LinearModule*, std::shared_ptr<LoraAdapter>>> pending;
  uint64_t stream = kFirstAdapterStream;
  for (LinearModule* m : model.linear_modules()) {
    const uint64_t this_stream = stream++;
    if (!config.targets(m->name)) continue;
    const std::string key = kPeftKeyPrefix + m->name;
    const int64_t in = m->in_features(), out = m->out_features();
    const Tensor a = take(key + ".lora_A.weight");
    // Each module's rank comes from its tensors, as PEFT's readers do: writers other than PEFT
    // may leave rank_pattern out.
    HONE_CHECK(a.rank() == 2 && a.dim(0) > 0 && a.dim(1) == in, weights_path, ": tensor '", key, ".lora_A.weight' has shape ",
               a.shape().str(), " but ", m->name, " takes ", in, " inputs, so it must be [r, ", in, "]");
    const int64_t r = a.dim(0);
    // PEFT builds each module at the config's rank and scales by alpha / that rank: tensors of
    // another rank would load there only with a different scaling, a silently different model.
    HONE_CHECK(r == config.rank_for(m->name), weights_path, ": tensor '", key, ".lora_A.weight' has rank ", r, " but ",
               config_path, " gives ", m->name, " rank ", config.rank_for(m->name), " (r, or rank_pattern)");
    const Tensor b = take(key + ".lora_B.weight");
    expect_shape(key + ".lora_B.weight", b, Shape{out, r}, m->name + " with the rank of its lora_A");
    auto adapter = std::make_shared<LoraAdapter>(*m, r, config.scaling_for(m->name, r), config.dropout, config.use_dora,
                                                 config.init, /*seed=*/0, this_stream);
    adapter->lora_A().copy_from(a);
    adapter->lora_B().copy_from(b);
    if (config.use_dora) {
      const Tensor magnitude = take(key + ".lora_magnitude_vector");
      expect_shape(key + ".lora_magnitude_vector", magnitude, Shape{out}, m->name);
      adapter->magnitude().copy_from(magnitude);
    }
    pending.emplace_back(m, std::move(adapter));
  }
  // Nothing is attached until the whole file has been checked, so a failed load leaves the
  // model as it was.
  HONE_CHECK(!pending.empty(), config_path, ": target_modules matches no linear layer of this model");
  if (!unused.empty())
    HONE_FAIL(weights_path, ": tensor '", *unused.begin(), "' matches no LoRA module of this model and config",
              unused.size() > 1 ? " (and " + std::to_string(unused.size() - 1) + " more)" : "");
  for (auto& [module, adapter] : pending) lm.add_adapter(*module, std::move(adapter));
  return lm;
}

void LoraModel::merge_and_unload() {
  // All merged weights are computed and checked before any is replaced, so a bad adapter leaves
  // the model as it was (PEFT's safe_merge).
  std::vector<Tensor> merged;
  for (auto& [module, a] : adapters_) {
    merged.push_back(a->merged_weight(*module));
    for (const double v : merged.back().to_doubles())
      HONE_CHECK(std::isfinite(v), "merging the adapter of ", module->name, " gives a non-finite weight (NaN or Inf)");
  }
  for (size_t i = 0; i < adapters_.size(); ++i) {
    auto& [module, a] = adapters_[i];
    module->weight = merged[i].set_name(module->name + ".weight");
    detach_adapter(*module, a);
  }
  adapters_.clear();
}

void LoraModel::unload() {
  for (auto& [module, a] : adapters_) detach_adapter(*module, a);
  adapters_.clear();
}

}  // namespace hone
