// One entry point for every model file a user may name: a Hugging Face folder (config.json +
// safetensors) or a single GGUF file, told apart by what is on disk rather than by the name.
// Also finds what generation needs beside the weights: the tokenizer and the stop ids.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hone/model/hf_model.h"
#include "hone/tokenizer/tokenizer.h"

namespace hone {

enum class ModelFormat { kHuggingFace, kGguf };

// "hf" or "gguf".
const char* model_format_name(ModelFormat format);

// A folder is a Hugging Face model; a file starting with the GGUF magic is a GGUF model. Error
// naming the path for anything else (missing, a config.json given instead of its folder, ...).
ModelFormat detect_model_format(const std::string& path);

// Loads either kind (see load_hf_model and load_gguf_model for the checks made).
std::unique_ptr<DecoderModel> load_model(const std::string& path, const LoadOptions& options = {},
                                         LoadReport* report = nullptr);

// The tokenizer of a Hugging Face folder that has a tokenizer.json; nullopt otherwise (GGUF
// files: hone does not yet build a tokenizer from tokenizer.ggml.* metadata).
std::optional<Tokenizer> load_model_tokenizer(const std::string& path);

// Ids that end generation: the model config's eos ids, generation_config.json's eos_token_id
// (for a folder that has one) and the tokenizer's eos token, without duplicates.
std::vector<int32_t> generation_stop_ids(const std::string& path, const DecoderConfig& config,
                                         const Tokenizer* tokenizer);

}  // namespace hone
