// The PEFT adapter folder (adapter_config.json + adapter_model.safetensors,
// ../shared/reference/peft-format.md) for methods that save a JSON config and named tensors.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "hone/io/safetensors.h"

namespace hone {

// "base_model.model." + module path: the prefix PEFT puts before every tensor key.
inline constexpr const char* kPeftKeyPrefix = "base_model.model.";

// Writes both files into the existing folder `dir` (a checkpoint folder the caller makes atomic).
void write_peft_files(const std::string& dir, const nlohmann::ordered_json& config, const NamedTensors& tensors);
// Writes the folder `dir` atomically.
void save_peft_folder(const std::string& dir, const nlohmann::ordered_json& config, const NamedTensors& tensors);
// dir/adapter_config.json as JSON (Error naming the folder when there is none, or the file when
// it is not valid JSON).
nlohmann::json read_peft_config(const std::string& dir);
// The config's base_model_name_or_path, or "" when it is absent or null.
std::string base_model_of(const nlohmann::json& config);
// Opens dir/adapter_model.safetensors, with an Error saying how to get one when it is missing.
SafetensorsFile open_peft_weights(const std::string& dir);
// Resume: copies each tensor of dir/adapter_model.safetensors into the tensor of the same key.
// Error naming the key when one is missing or has another shape.
void load_peft_tensors_into(const std::string& dir, const NamedTensors& targets, const std::string& method);

}  // namespace hone
