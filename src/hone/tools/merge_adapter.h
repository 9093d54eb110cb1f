// `hone merge`: folds a PEFT LoRA adapter into its base model and writes an ordinary Hugging Face
// folder (config.json, safetensors, and the base folder's tokenizer and generation files), the
// equivalent of PEFT's merge_and_unload() followed by save_pretrained().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hone/tensor/dtype.h"

namespace hone {

struct MergeAdapterOptions {
  std::string model_dir;    // base Hugging Face folder
  std::string adapter_dir;  // PEFT adapter folder
  std::string out_dir;      // written atomically
  // Storage type of the merged weights; default: the base checkpoint's own (f32, bf16 or f16).
  std::optional<DType> dtype;
  bool overwrite = false;   // replace a non-empty out_dir
};

struct MergeAdapterReport {
  int64_t merged_modules = 0;
  DType dtype = DType::F32;
  std::vector<std::string> copied_files;  // tokenizer / generation files taken from model_dir
};

// The files besides the weights and config.json that make a folder usable (tokenizer, chat
// template, generation defaults); merge copies whichever of them the base folder has.
const std::vector<std::string>& model_side_files();

MergeAdapterReport merge_adapter(const MergeAdapterOptions& options);

}  // namespace hone
