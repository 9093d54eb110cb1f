// llama.cpp's GGUF LoRA adapter format (what convert_lora_to_gguf.py writes and llama-adapter.cpp
// loads): general.type "adapter", adapter.type "lora", one adapter.lora.alpha for the whole file,
// and for each adapted base tensor T the pair T.lora_a (ggml ne {in, r}) and T.lora_b (ne {r, out}).
#pragma once

#include <string>
#include <vector>

#include "hone/io/gguf_value.h"
#include "hone/tensor/tensor.h"

namespace hone {

namespace gguf_key {
inline constexpr const char* kGeneralType = "general.type";            // "adapter"
inline constexpr const char* kAdapterType = "adapter.type";            // "lora"
inline constexpr const char* kAdapterLoraAlpha = "adapter.lora.alpha";  // f32
}  // namespace gguf_key

struct GgufLoraPair {
  std::string base_tensor;  // the GGUF name of the adapted weight: "blk.0.attn_q.weight"
  Tensor a;                 // [r, in]  (PEFT's lora_A layout; ggml ne {in, r})
  Tensor b;                 // [out, r] (PEFT's lora_B layout; ggml ne {r, out})
};

struct GgufLoraAdapter {
  std::string architecture;  // general.architecture of the base model ("llama", "qwen2")
  // llama.cpp scales each pair by alpha / r with r = that pair's rank (alpha 0: scale 1).
  double alpha = 0;
  std::vector<GgufLoraPair> pairs;
};

// Writes the adapter with its tensors stored as `dtype` (F32, F16 or BF16), atomically.
void save_gguf_lora(const std::string& path, const GgufLoraAdapter& adapter, DType dtype = DType::F32);

// Reads a GGUF LoRA file with llama.cpp's checks: the general.type and adapter.type values, each
// tensor named <base>.lora_a or <base>.lora_b (mergekit's *_norm.weight tensors are skipped, as
// llama.cpp does), both halves present, and matching ranks. Tensors come back as f32. Errors
// name the file and the tensor.
GgufLoraAdapter read_gguf_lora(const std::string& path);

}  // namespace hone
