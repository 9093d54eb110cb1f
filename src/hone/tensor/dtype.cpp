#include "hone/tensor/dtype.h"

#include <array>

#include "hone/util/error.h"

namespace hone {

namespace {
// Indexed by the enum value; block layouts are those of ggml (../shared/reference).
constexpr std::array<DTypeInfo, 10> kInfo = {{
    {"f32", 1, 4},
    {"f64", 1, 8},
    {"bf16", 1, 2},
    {"f16", 1, 2},
    {"i32", 1, 4},
    {"q8_0", 32, 34},
    {"q4_0", 32, 18},
    {"q4_k", 256, 144},
    {"q6_k", 256, 210},
    {"nf4", 64, 36},
}};
}  // namespace

const DTypeInfo& dtype_info(DType dtype) { return kInfo.at(static_cast<size_t>(dtype)); }

DType dtype_from_name(const std::string& name) {
  std::string valid;
  for (size_t i = 0; i < kInfo.size(); ++i) {
    if (name == kInfo[i].name) return static_cast<DType>(i);
    valid += (i ? ", " : "") + std::string(kInfo[i].name);
  }
  HONE_FAIL("unknown dtype '", name, "' (expected one of ", valid, ")");
}

size_t dtype_bytes(DType dtype, int64_t n) {
  const auto& info = dtype_info(dtype);
  HONE_CHECK(n >= 0 && n % info.block_size == 0, dtype_name(dtype), ": ", n,
             " elements is not a multiple of the block size ", info.block_size);
  return size_t(n / info.block_size) * size_t(info.block_bytes);
}

}  // namespace hone
