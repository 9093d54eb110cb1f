#include "hone/peft/peft_folder.h"

#include <filesystem>

#include "hone/util/atomic_file.h"
#include "hone/util/error.h"
#include "hone/util/json_text.h"

namespace hone {

void write_peft_files(const std::string& dir, const nlohmann::ordered_json& config, const NamedTensors& tensors) {
  const std::string config_text = config.dump(2) + "\n";
  write_file_atomically(dir + "/adapter_config.json", config_text.data(), config_text.size());
  save_safetensors(dir + "/adapter_model.safetensors", tensors, {{"format", "pt"}});
}

void save_peft_folder(const std::string& dir, const nlohmann::ordered_json& config, const NamedTensors& tensors) {
  write_directory_atomically(dir, [&](const std::string& tmp) { write_peft_files(tmp, config, tensors); });
}

nlohmann::json read_peft_config(const std::string& dir) {
  const std::string path = dir + "/adapter_config.json";
  HONE_CHECK(std::filesystem::exists(path), dir, ": not a PEFT adapter folder (no adapter_config.json)");
  return read_json_file(path);
}

std::string base_model_of(const nlohmann::json& config) {
  const auto it = config.find("base_model_name_or_path");
  return it != config.end() && it->is_string() ? it->get<std::string>() : std::string();
}

SafetensorsFile open_peft_weights(const std::string& dir) {
  const std::string path = dir + "/adapter_model.safetensors";
  HONE_CHECK(std::filesystem::exists(path), dir, ": no adapter_model.safetensors (hone reads the safetensors form only; ",
             "convert adapter_model.bin with PEFT's save_pretrained(safe_serialization=True))");
  return SafetensorsFile::open(path);
}

void load_peft_tensors_into(const std::string& dir, const NamedTensors& targets, const std::string& method) {
  const SafetensorsFile f = SafetensorsFile::open(dir + "/adapter_model.safetensors");
  for (const auto& [key, t] : targets) {
    Tensor target = t;
    HONE_CHECK(f.contains(key), f.path(), ": checkpoint lacks '", key, "' (was it written by a run with other ", method,
               " settings?)");
    const Tensor saved = f.get(key);
    HONE_CHECK(saved.shape() == target.shape(), f.path(), ": '", key, "' has shape ", saved.shape().str(), ", expected ",
               target.shape().str());
    target.copy_from(saved);
  }
}

}  // namespace hone
