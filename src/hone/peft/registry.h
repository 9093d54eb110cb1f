// The registry of fine-tuning methods: every method once, by its hone name and its PEFT
// peft_type, as PEFT registers its tuners. Callers attach and load methods only through here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hone/peft/adapter_method.h"

namespace hone {

// Every registered method, in the order --help and config.yaml list them.
const std::vector<const AdapterMethod*>& adapter_methods();
// The method named `name`; Error listing the registered names when there is none.
const AdapterMethod& adapter_method(const std::string& name);
// "lora, full, ..." for messages and help.
std::string adapter_method_names();

// Attaches method `name` fresh; `options` points at its section's struct (nullptr: defaults).
std::unique_ptr<Adapter> attach_adapter(const std::string& name, DecoderModel& model, const void* options,
                                        const AttachOptions& attach);
// Loads the adapter folder `dir` (adapter_config.json + adapter_model.safetensors) onto `model`,
// dispatching on the config's "peft_type". Error naming the file for an unknown type; a failed
// load leaves the model as it was.
std::unique_ptr<Adapter> load_adapter(DecoderModel& model, const std::string& dir);

}  // namespace hone
