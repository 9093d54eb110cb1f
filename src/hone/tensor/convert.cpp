#include "hone/tensor/convert.h"

#include <cstring>
#include <vector>

#include "hone/tensor/half.h"
#include "hone/tensor/quant.h"
#include "hone/util/error.h"

namespace hone {

namespace {
// Reads element i of a scalar-typed buffer as double / writes it from double.
double load(const void* p, DType d, int64_t i) {
  switch (d) {
    case DType::F32: return static_cast<const float*>(p)[i];
    case DType::F64: return static_cast<const double*>(p)[i];
    case DType::I32: return static_cast<const int32_t*>(p)[i];
    case DType::BF16: return bf16_to_f32(static_cast<const uint16_t*>(p)[i]);
    case DType::F16: return f16_to_f32(static_cast<const uint16_t*>(p)[i]);
    default: HONE_FAIL("internal: load from ", dtype_name(d));
  }
}

void store(void* p, DType d, int64_t i, double v) {
  switch (d) {
    case DType::F32: static_cast<float*>(p)[i] = float(v); break;
    case DType::F64: static_cast<double*>(p)[i] = v; break;
    case DType::I32: static_cast<int32_t*>(p)[i] = int32_t(v); break;
    case DType::BF16: static_cast<uint16_t*>(p)[i] = f32_to_bf16(float(v)); break;
    case DType::F16: static_cast<uint16_t*>(p)[i] = f32_to_f16(float(v)); break;
    default: HONE_FAIL("internal: store to ", dtype_name(d));
  }
}
}  // namespace

void convert_elements(const void* src, DType sd, void* dst, DType dd, int64_t n) {
  if (n == 0) return;  // empty tensors may have null data, and memcpy(nullptr, ..., 0) is undefined
  if (sd == dd) {
    std::memcpy(dst, src, dtype_bytes(sd, n));
    return;
  }
  if (is_quantized(sd)) {  // dequantize to f32, then convert
    if (dd == DType::F32) return dequantize_row(sd, src, static_cast<float*>(dst), n);
    std::vector<float> tmp(static_cast<size_t>(n));
    dequantize_row(sd, src, tmp.data(), n);
    return convert_elements(tmp.data(), DType::F32, dst, dd, n);
  }
  if (is_quantized(dd)) {
    if (sd == DType::F32) return quantize_row(dd, static_cast<const float*>(src), dst, n);
    std::vector<float> tmp(static_cast<size_t>(n));
    convert_elements(src, sd, tmp.data(), DType::F32, n);
    return quantize_row(dd, tmp.data(), dst, n);
  }
  // Fast paths for the conversions that run on large weights.
  if (sd == DType::BF16 && dd == DType::F32) {
    auto* s = static_cast<const uint16_t*>(src);
    auto* o = static_cast<float*>(dst);
#pragma omp parallel for schedule(static) if (n > (1 << 16))
    for (int64_t i = 0; i < n; ++i) o[i] = bf16_to_f32(s[i]);
    return;
  }
  if (sd == DType::F16 && dd == DType::F32) {
    auto* s = static_cast<const uint16_t*>(src);
    auto* o = static_cast<float*>(dst);
#pragma omp parallel for schedule(static) if (n > (1 << 16))
    for (int64_t i = 0; i < n; ++i) o[i] = f16_to_f32(s[i]);
    return;
  }
  for (int64_t i = 0; i < n; ++i) store(dst, dd, i, load(src, sd, i));
}

}  // namespace hone
