// The common shape of methods that train some of the model's own small tensors (BitFit's biases,
// LN-tuning's norm weights): each targeted tensor is replaced by a trainable f32 copy while the
// method is attached, saved under its PEFT key, kept on merge and put back on unload.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hone/peft/adapter.h"

namespace hone {

class ReplacedTensorsAdapter : public Adapter {
 public:
  // Replaces *slot (the model's tensor, undefined when the model has none) by `start` made
  // trainable and named `name`; saved under the file key `key`.
  void replace(Tensor* slot, const Tensor& start, const std::string& name, const std::string& key);
  // Copies every replaced tensor's value from dir/adapter_model.safetensors (F32, F16 or BF16).
  // Error naming the file and key for a missing, misshapen or unclaimed tensor, after putting the
  // model's own tensors back (a failed load leaves the model as it was).
  void fill_from_folder(const std::string& dir);

  NamedTensors trainable_tensors() const override;
  int64_t module_count() const override { return int64_t(slots_.size()); }
  void save(const std::string& dir) const override;
  void save_checkpoint(const std::string& dir) const override;
  void load_checkpoint(const std::string& dir) override;
  void merge_and_unload() override;
  void unload() override;

 protected:
  struct Slot {
    Tensor* slot;
    Tensor original;  // undefined when the method added the tensor
    Tensor trainable;
    std::string key;  // in adapter_model.safetensors
  };
  const std::vector<Slot>& slots() const { return slots_; }
  // adapter_config.json.
  virtual nlohmann::ordered_json config_json() const = 0;
  // Error when the merged model could not be saved faithfully (called before anything changes).
  virtual void check_mergeable() const {}

 private:
  NamedTensors saved_tensors() const;
  void fill_or_throw(const std::string& dir);
  std::vector<Slot> slots_;
};

}  // namespace hone
