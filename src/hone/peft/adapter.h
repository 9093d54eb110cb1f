// A fine-tuning method attached to a model — LoRA's adapters, BitFit's biases, the whole model
// for full fine-tuning. This is all that the trainer, eval, generate, merge and bench see of a
// method; they get one from the registry (peft/registry.h), never from a method's own class.
#pragma once

#include <cstdint>
#include <string>

#include "hone/io/safetensors.h"

namespace hone {

struct AdapterMethod;

class Adapter {
 public:
  virtual ~Adapter() = default;
  virtual const AdapterMethod& method() const = 0;

  // The trainable tensors, each named (the optimizer keys its state by name). Biases and norm
  // weights are recognised by the trainer for weight decay from their rank and name.
  virtual NamedTensors trainable_tensors() const = 0;
  int64_t trainable_parameter_count() const;
  // How many modules (layers, norms, ...) the method changes: for reports.
  virtual int64_t module_count() const = 0;

  // The final artifact (a PEFT adapter folder, or a model folder for full fine-tuning), written
  // atomically; `final_folder_name` is its name inside a run folder ("adapter" or "model").
  virtual void save(const std::string& dir) const = 0;
  virtual std::string final_folder_name() const { return "adapter"; }
  // The trainable state into an existing checkpoint folder (which the caller makes atomic), and
  // back into this adapter's tensors when resuming.
  virtual void save_checkpoint(const std::string& dir) const = 0;
  virtual void load_checkpoint(const std::string& dir) = 0;

  // Folds the method into the base weights and detaches it (the model then needs no adapter).
  // Error, model unchanged, when the method cannot be merged or the result is not finite.
  virtual void merge_and_unload() = 0;
  // Detaches the method, leaving the base weights as they were.
  virtual void unload() = 0;
};

}  // namespace hone
