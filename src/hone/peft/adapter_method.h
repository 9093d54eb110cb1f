// One registered fine-tuning method: its names, its recipe section, and how it attaches fresh or
// loads from a folder. Each method folder (peft/<method>/) defines one of these and
// peft/registry.cpp lists it once.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "hone/model/decoder_model.h"
#include "hone/peft/adapter.h"
#include "hone/util/option_section.h"

namespace hone {

// What attaching a fresh method needs besides its own options.
struct AttachOptions {
  uint64_t seed = 0;        // init and dropout streams
  std::string base_model;   // the base folder: adapter_config.json's base_model_name_or_path, and
                            // where full fine-tuning copies tokenizer files from
};

struct AdapterMethod {
  std::string name;       // the recipe's `method:` value ("lora")
  std::string peft_type;  // adapter_config.json's "peft_type" ("LORA"); hone's own name when PEFT
                          // has no such method ("BITFIT"); "" when the method writes no adapter
  std::string help;       // one line for `--method` help
  // The recipe section ("lora.*"), or nullptr for a method without options.
  const AnyOptionSection* options = nullptr;
  // Attaches fresh trainable state. `options` points at the section's struct (nullptr when the
  // method has none).
  std::function<std::unique_ptr<Adapter>(DecoderModel&, const void* options, const AttachOptions&)> attach;
  // Loads a saved adapter folder whose config has already been read (nullptr: no folder form).
  std::function<std::unique_ptr<Adapter>(DecoderModel&, const std::string& dir, const nlohmann::json& config)> load;
  // Whether, with these options (the section's struct, as for attach), the method leaves every
  // projection weight frozen and reads it only through the products, so that under bf16
  // precision the trainer may store those weights in bf16 (model/frozen_weights.h). nullptr: no.
  std::function<bool(const void* options)> freezes_base;
};

}  // namespace hone
