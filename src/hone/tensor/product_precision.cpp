#include "hone/tensor/product_precision.h"

#include <atomic>

#include "hone/tensor/onednn_products.h"
#include "hone/util/error.h"

namespace hone {

namespace {
std::atomic<Precision> g_precision{Precision::F32};
}

Precision product_precision() { return g_precision.load(std::memory_order_relaxed); }
void set_product_precision(Precision precision) { g_precision.store(precision, std::memory_order_relaxed); }

Precision resolve_precision(const std::string& name, const std::string& key) {
  if (name == "f32") return Precision::F32;
  if (name == "bf16") return Precision::BF16;
  if (name == "auto") return kernels::cpu_has_native_bf16() ? Precision::BF16 : Precision::F32;
  HONE_FAIL(key, " must be f32, bf16 or auto, got '", name, "'");
}

const char* precision_name(Precision precision) { return precision == Precision::BF16 ? "bf16" : "f32"; }

std::string auto_precision_reason() {
  if (kernels::cpu_has_native_bf16())
    return cat("bf16: the CPU multiplies bf16 natively (oneDNN dispatches to ", kernels::onednn_isa(), ")");
  return cat("f32: the CPU has no native bf16 dot products (oneDNN dispatches to ", kernels::onednn_isa(),
             "; bf16 needs avx512_core_bf16 or amx)");
}

}  // namespace hone
