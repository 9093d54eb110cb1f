// LoRA attached to a decoder: one LoraAdapter per targeted linear layer, the base weights left
// frozen. Saves and loads the PEFT folder format (adapter_config.json + adapter_model.safetensors
// with PEFT's key names, ../shared/reference/peft-format.md) and merges into the base weights.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hone/io/safetensors.h"
#include "hone/model/decoder_model.h"
#include "hone/peft/lora/layer.h"
#include "hone/peft/lora/config.h"
#include "hone/peft/peft_folder.h"

namespace hone {

class LoraModel {
 public:
  // Attaches fresh adapters to every linear layer `config` targets. Error if it targets none.
  static LoraModel attach(DecoderModel& model, const LoraConfig& config, uint64_t seed);
  // Attaches the adapter saved in a PEFT folder (F32, F16 or BF16 tensors). Every tensor must
  // match a targeted module of this model with the right shape, and every targeted module
  // must have its tensors: each mismatch is an Error naming the tensor. A module's rank is read
  // from its tensors (rank_pattern may be absent); its alpha from alpha_pattern / lora_alpha.
  static LoraModel load(DecoderModel& model, const std::string& dir);

  const LoraConfig& config() const { return config_; }
  // Module name -> its adapter, in model order.
  const std::vector<std::pair<LinearModule*, std::shared_ptr<LoraAdapter>>>& adapters() const { return adapters_; }
  // Every trainable tensor (A, B, magnitude), named with its PEFT-stripped module path.
  std::vector<Tensor> trainable_parameters() const;
  int64_t trainable_parameter_count() const;

  // The tensors of adapter_model.safetensors, keyed as PEFT keys them.
  NamedTensors peft_tensors() const;
  // Writes the PEFT folder atomically.
  void save(const std::string& dir) const;
  // Folds every adapter into its base weight (W := W + s B A, DoRA-rescaled) and detaches them.
  // Base weights become f32.
  void merge_and_unload();
  // Removes the adapters from the model without changing the base weights.
  void unload();

 private:
  void add_adapter(LinearModule& module, std::shared_ptr<LoraAdapter> adapter);
  void check_some_module_targeted(const std::string& source) const;  // source starts the message
  void check_every_target_matches(DecoderModel& model, const std::string& source) const;

  LoraConfig config_;
  std::vector<std::pair<LinearModule*, std::shared_ptr<LoraAdapter>>> adapters_;
};

}  // namespace hone
