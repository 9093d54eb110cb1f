// The ggml_type ids in GGUF tensor infos, and which of them hone stores as which DType. Block
// layouts are identical on both sides, so a GGUF tensor's bytes are used as they are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hone/tensor/dtype.h"

namespace hone {

// The DType for a ggml type id, or nullopt for a type hone does not read (Q5_K, IQ*, ...).
std::optional<DType> dtype_for_ggml_type(uint32_t id);
// The ggml type id for a DType; Error for a dtype GGUF has no type for.
uint32_t ggml_type_for_dtype(DType dtype);
// ggml's name for an id ("q5_k"), "removed type N" or "unknown type N".
std::string ggml_type_name(uint32_t id);
// "f32, f16, bf16, ..." — the types hone reads, for messages.
std::string supported_ggml_types();

}  // namespace hone
