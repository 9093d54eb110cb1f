#include "hone/tensor/finite_check.h"

#include "hone/tensor/half.h"
#include "hone/util/error.h"

namespace hone {

namespace {

// A value is NaN or infinite exactly when its exponent bits are all ones.
template <class Bits>
std::optional<int64_t> first_all_ones(const Bits* p, int64_t n, Bits exponent) {
  for (int64_t i = 0; i < n; ++i)
    if ((p[i] & exponent) == exponent) return i;
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> first_non_finite(const Tensor& t) {
  const int64_t n = t.numel();
  switch (t.dtype()) {
    case DType::F32: return first_all_ones(static_cast<const uint32_t*>(t.raw()), n, uint32_t(0x7f800000u));
    case DType::F64: return first_all_ones(static_cast<const uint64_t*>(t.raw()), n, uint64_t(0x7ff0000000000000ull));
    case DType::BF16: return first_all_ones(static_cast<const uint16_t*>(t.raw()), n, uint16_t(0x7f80u));
    case DType::F16: return first_all_ones(static_cast<const uint16_t*>(t.raw()), n, uint16_t(0x7c00u));
    default: return std::nullopt;
  }
}

void check_finite(const Tensor& t, const std::string& name, const std::string& source) {
  const std::optional<int64_t> at = first_non_finite(t);
  if (!at) return;
  const size_t i = size_t(*at);
  double value = 0;
  switch (t.dtype()) {
    case DType::F32: value = static_cast<const float*>(t.raw())[i]; break;
    case DType::F64: value = static_cast<const double*>(t.raw())[i]; break;
    case DType::BF16: value = bf16_to_f32(static_cast<const uint16_t*>(t.raw())[i]); break;
    default: value = f16_to_f32(static_cast<const uint16_t*>(t.raw())[i]); break;
  }
  HONE_FAIL(source, ": tensor '", name, "' holds a non-finite value (", value, ") at element ", *at, " of ",
            t.shape().str());
}

}  // namespace hone
