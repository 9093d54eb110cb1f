// LoRA's options and their PEFT adapter_config.json form. Field names and defaults are PEFT's
// (LoraConfig), so a config written here loads in PEFT and one written by PEFT loads here.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hone/util/option_section.h"

namespace hone {

struct LoraConfig {
  int64_t r = 8;
  double alpha = 8;        // lora_alpha
  double dropout = 0.0;    // lora_dropout
  // Leaf module names ("q_proj"), or the single entry "all-linear" (every linear layer but the
  // output head). A PEFT config may also give one regex string; it is kept in target_regex.
  std::vector<std::string> target_modules = {"q_proj", "v_proj"};
  std::optional<std::string> target_regex;
  bool use_rslora = false;  // scaling alpha / sqrt(r) instead of alpha / r
  bool use_dora = false;
  std::string init = "default";  // default: Kaiming-uniform A, zero B (PEFT's True); gaussian
  std::map<std::string, int64_t> rank_pattern;  // module-name regex -> r
  std::map<std::string, double> alpha_pattern;  // module-name regex -> alpha
  std::string base_model_name_or_path;

  // r and alpha for the module with this full name (rank_pattern / alpha_pattern applied).
  int64_t rank_for(const std::string& module_name) const;
  double alpha_for(const std::string& module_name) const;
  double scaling_for(const std::string& module_name) const;
  // The scaling for a module whose rank is known (taken from a file's tensor shapes).
  double scaling_for(const std::string& module_name, int64_t rank) const;
  // Whether LoRA attaches to this module (leaf-name match, all-linear, or the regex).
  bool targets(const std::string& module_name) const;

  // lora_section()'s checks, then the patterns (Error naming the field, also for a pattern that is
  // not a valid regex).
  void validate() const;
  // The largest adapter scaling (alpha / r) accepted: far beyond any use, and products at this
  // scale already overflow f32 activations.
  static constexpr double kMaxScaling = 1e6;
};

// The recipe section "lora.*": every key, its default (LoraConfig{}), help and check.
const OptionSection<LoraConfig>& lora_section();

// adapter_config.json as PEFT writes it (every LoraConfig field, sorted keys).
nlohmann::ordered_json lora_config_to_peft_json(const LoraConfig& config);
// Reads a PEFT adapter_config.json object (`source` names the file in errors). Unknown keys are
// ignored, as PEFT does; values hone cannot honour (fan_in_fan_out, a bias mode other than
// "none", lora_bias, modules_to_save, layer selection) are clear errors naming the key.
LoraConfig lora_config_from_peft_json(const nlohmann::json& json, const std::string& source);

}  // namespace hone
