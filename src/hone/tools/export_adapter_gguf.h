// `hone export --adapter A --model M --format gguf`: turns a PEFT LoRA adapter into llama.cpp's
// GGUF LoRA file, as convert_lora_to_gguf.py does: GGUF tensor names, q/k lora_B rows permuted
// like the base weights for the llama architecture, and every module's own scale folded into
// lora_B so that the file's single adapter.lora.alpha gives the right delta everywhere.
#pragma once

#include <string>

#include "hone/io/gguf_lora.h"
#include "hone/model/decoder_model.h"
#include "hone/peft/lora/method.h"

namespace hone {

// The GGUF form of `lora` (attached to `model`). DoRA cannot be expressed (llama.cpp has no
// magnitude vector): Error. For each module, llama.cpp applies alpha / r * B A; hone's delta is
// s * B A with s from r, alpha, rsLoRA and the patterns, so B is multiplied by s * r / alpha.
GgufLoraAdapter gguf_lora_from(const LoraModel& lora, const DecoderModel& model);

struct ExportAdapterOptions {
  std::string model_dir;    // the base Hugging Face folder (its config.json names the architecture)
  std::string adapter_dir;  // PEFT adapter folder
  std::string out_path;     // .gguf file, written atomically
  DType dtype = DType::F32;  // f32 (llama.cpp's default), f16 or bf16
};

struct ExportAdapterReport {
  std::string architecture;
  double alpha = 0;
  int64_t tensor_pairs = 0;
};

ExportAdapterReport export_adapter_gguf(const ExportAdapterOptions& options);

}  // namespace hone
