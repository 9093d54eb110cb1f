// GGUF files <-> DecoderModel: a llama- or qwen2-architecture GGUF read into the one decoder
// (tensor names mapped to Hugging Face's, q/k rows of llama files put back in rotate-half order,
// every tensor widened to f32), and a model written as a GGUF that llama.cpp loads.
#pragma once

#include <memory>
#include <string>

#include "hone/io/gguf_file.h"
#include "hone/io/gguf_value.h"
#include "hone/model/hf_model.h"

namespace hone {

// The decoder options a GGUF file's metadata and tensor list describe. model_type is the family
// that owns the architecture (a Mistral converted by llama.cpp reads as llama).
DecoderConfig decoder_config_from_gguf(const GgufFile& file);

// {arch}.* metadata keys hone does not read (shown by `hone inspect`).
std::vector<std::string> unused_gguf_config_keys(const GgufMetadata& metadata);

// Loads a GGUF model file. Every tensor the metadata implies must be present with its exact
// shape (an Error names the file, the GGUF and the Hugging Face tensor name); tensors of any
// type hone reads (f32, f16, bf16, q8_0, q4_0, q4_k, q6_k) become f32, except that with
// keep_stored_dtype f16/bf16 matrices stay as they are. Extra tensors are listed in the report.
std::unique_ptr<DecoderModel> load_gguf_model(const std::string& path, const LoadOptions& options = {},
                                              LoadReport* report = nullptr);

struct GgufExportOptions {
  // The type of the matrices: f32, f16, bf16 or q8_0. Norms and biases stay f32, and a matrix
  // whose rows are not whole blocks of a quantized type falls back to f16, as llama.cpp's
  // convert_hf_to_gguf.py does.
  DType dtype = DType::F32;
  std::string name;       // general.name (omitted when empty)
  GgufMetadata extra{"export metadata"};  // more keys, e.g. tokenizer.* (see gguf_tokenizer_metadata.h)
};

// The GGUF type `dtype` turns into for a tensor of this shape (see GgufExportOptions::dtype).
DType gguf_export_dtype(const Shape& shape, DType dtype);

// Writes `model` as a GGUF file at `path`, atomically: general.* and {arch}.* metadata, then the
// extra keys, then the tensors in llama.cpp's names (q/k permuted for the llama architecture).
void save_gguf_model(DecoderModel& model, const std::string& path, const GgufExportOptions& options);
inline void save_gguf_model(DecoderModel& model, const std::string& path) {
  save_gguf_model(model, path, GgufExportOptions());
}

}  // namespace hone
