// What `hone inspect` shows about a model file without loading its weights: format,
// architecture, family, parameter count, stored dtypes, the configuration hone derives, the
// configuration keys it does not read, and every tensor's name, shape and dtype.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace hone {

// One JSON object (keys in a fixed order: path, format, architecture, family, parameters,
// dtypes, config, unused_config_keys, tensors, and for GGUF files metadata). Errors as the
// loaders give them (a bad config.json, a truncated file, ...).
nlohmann::ordered_json inspect_model(const std::string& path);

// The same as readable text lines (the tensor list one tensor a line).
std::string format_inspection(const nlohmann::ordered_json& inspection);

}  // namespace hone
