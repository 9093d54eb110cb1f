// Element types. F32 and F64 are compute types (F64 exists so gradient checks can run every op
// in double precision); BF16 and F16 are storage types converted to f32 for compute; the
// I32 holds token ids and labels; the block-quantized types store `block_size` elements in `block_bytes` bytes and are dequantized
// tile by tile where they are used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hone {

enum class DType : uint8_t { F32, F64, BF16, F16, I32, Q8_0, Q4_0, Q4_K, Q6_K, NF4 };

struct DTypeInfo {
  const char* name;     // lower-case name used in files and messages ("f32", "q8_0")
  int64_t block_size;   // elements per block (1 for scalar types)
  int64_t block_bytes;  // bytes per block
};

const DTypeInfo& dtype_info(DType dtype);
inline const char* dtype_name(DType dtype) { return dtype_info(dtype).name; }
// Parses a lower-case name; Error listing the valid names otherwise.
DType dtype_from_name(const std::string& name);

inline bool is_quantized(DType dtype) { return dtype_info(dtype).block_size > 1; }
inline bool is_compute_type(DType dtype) { return dtype == DType::F32 || dtype == DType::F64; }

// Bytes taken by n elements. For block types n must be a multiple of the block size.
size_t dtype_bytes(DType dtype, int64_t n);

}  // namespace hone
