// Hugging Face model folders <-> DecoderModel: the config.json mapping for the llama, mistral
// and qwen2 families, loading with a check of every expected tensor's presence and shape, and
// saving (config.json + safetensors, sharded when large) for merged or fully fine-tuned models.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hone/io/hf_config.h"
#include "hone/model/decoder_model.h"

namespace hone {

// The decoder options a config.json describes.
DecoderConfig decoder_config_from_hf(const ModelConfig& config);
// The same, validated: an inconsistent config is an Error starting with `source` (the file).
DecoderConfig validated_decoder_config(const ModelConfig& config, const std::string& source);
// The config.json that describes `config` (for saving merged or fine-tuned models).
ModelConfig hf_config_from_decoder(const DecoderConfig& config);

struct LoadOptions {
  // Keep bf16/f16 weights in their stored type (half the memory; widened tile by tile in use)
  // instead of converting them to f32 at load.
  bool keep_stored_dtype = false;
};

struct LoadReport {
  std::vector<std::string> unexpected_tensors;  // in the checkpoint but not part of the model
  std::vector<std::string> unused_config_keys;  // config.json keys hone did not read
  std::string stored_dtype;                     // dtype of the checkpoint's weights
};

// Loads a Hugging Face folder (config.json + model.safetensors or a sharded index). Every
// weight the config implies must be present with its exact shape: an Error names the first
// missing or mis-shaped tensor and the file. Extra tensors are listed in the report.
std::unique_ptr<DecoderModel> load_hf_model(const std::string& folder, const LoadOptions& options = {},
                                            LoadReport* report = nullptr);

// Writes config.json and the model's weights (f32, or `dtype` f16/bf16) into `folder`.
void save_hf_model(DecoderModel& model, const std::string& folder, DType dtype = DType::F32);

}  // namespace hone
