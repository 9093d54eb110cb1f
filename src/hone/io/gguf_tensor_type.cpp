#include "hone/io/gguf_tensor_type.h"

#include <array>

#include "hone/util/error.h"

namespace hone {

namespace {

// ggml's type names by id (ggml.c type_traits); empty where an id was removed from files.
constexpr std::array<const char*, 43> kGgmlNames = {
    "f32",     "f16",    "q4_0",    "q4_1",  "",       "",      "q5_0",    "q5_1",   "q8_0",  "q8_1",   "q2_k",
    "q3_k",    "q4_k",   "q5_k",    "q6_k",  "q8_k",   "iq2_xxs", "iq2_xs", "iq3_xxs", "iq1_s", "iq4_nl", "iq3_s",
    "iq2_s",   "iq4_xs", "i8",      "i16",   "i32",    "i64",   "f64",     "iq1_m",  "bf16",  "",       "",
    "",        "tq1_0",  "tq2_0",   "",      "",       "",      "mxfp4",   "nvfp4",  "q1_0",  "q2_0",
};

struct Mapping {
  uint32_t id;
  DType dtype;
};

constexpr Mapping kMappings[] = {
    {0, DType::F32},   {1, DType::F16},   {30, DType::BF16}, {8, DType::Q8_0}, {2, DType::Q4_0},
    {12, DType::Q4_K}, {14, DType::Q6_K}, {26, DType::I32},  {28, DType::F64},
};

}  // namespace

std::optional<DType> dtype_for_ggml_type(uint32_t id) {
  for (const auto& m : kMappings)
    if (m.id == id) return m.dtype;
  return std::nullopt;
}

uint32_t ggml_type_for_dtype(DType dtype) {
  for (const auto& m : kMappings)
    if (m.dtype == dtype) return m.id;
  HONE_FAIL("GGUF has no tensor type for ", dtype_name(dtype), " (it stores ", supported_ggml_types(), ")");
}

std::string ggml_type_name(uint32_t id) {
  if (id >= kGgmlNames.size()) return cat("unknown type ", id);
  if (kGgmlNames[id][0] == '\0') return cat("removed type ", id);
  return kGgmlNames[id];
}

std::string supported_ggml_types() {
  std::string out;
  for (const auto& m : kMappings) out += (out.empty() ? "" : ", ") + std::string(dtype_name(m.dtype));
  return out;
}

}  // namespace hone
