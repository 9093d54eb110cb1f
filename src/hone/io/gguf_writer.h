// Writing GGUF v3 files that llama.cpp and hone's reader both load: metadata of every type,
// tensor infos, and the data section with each tensor padded to the alignment
// (general.alignment when the metadata sets it, else 32). Written atomically.
#pragma once

#include <string>

#include "hone/io/gguf_value.h"
#include "hone/io/safetensors.h"  // NamedTensors

namespace hone {

// Writes `tensors` in the given order (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K, I32, F64; a
// block type's rows must be whole blocks). Names must be unique, non-empty and under 64 bytes.
// Shapes are written reversed (ggml's fastest-first order); a rank-0 tensor becomes [1].
// llama.cpp expects general.architecture and, when any tensor is quantized,
// general.quantization_version (2); adding them is the caller's job, so that write -> read
// returns exactly the metadata given.
void save_gguf(const std::string& path, const GgufMetadata& metadata, const NamedTensors& tensors);

// The same file image in memory (what save_gguf writes).
std::string gguf_bytes(const GgufMetadata& metadata, const NamedTensors& tensors);

}  // namespace hone
