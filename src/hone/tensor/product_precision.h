// The precision of matrix products, as PyTorch's CPU autocast sets it: in bf16, every product
// (linear, LoRA branches, attention, lm-head) rounds its inputs to bf16 and accumulates in f32;
// everything else (master weights, optimizer, norms, softmax, losses, reductions) stays f32.
// Process-wide, because products run on OpenMP worker threads too; set once by the verbs.
#pragma once

#include <string>

namespace hone {

enum class Precision { F32, BF16 };

Precision product_precision();
void set_product_precision(Precision precision);

// RAII: sets the product precision for a scope and restores the previous one at its end.
class ProductPrecisionGuard {
 public:
  explicit ProductPrecisionGuard(Precision precision) : previous_(product_precision()) {
    set_product_precision(precision);
  }
  ~ProductPrecisionGuard() { set_product_precision(previous_); }
  ProductPrecisionGuard(const ProductPrecisionGuard&) = delete;
  ProductPrecisionGuard& operator=(const ProductPrecisionGuard&) = delete;

 private:
  Precision previous_;
};

// "f32", "bf16" or "auto" (bf16 where the CPU multiplies bf16 natively: AVX512_BF16 or AMX,
// else f32); anything else is an error naming `key`.
Precision resolve_precision(const std::string& name, const std::string& key = "precision");
const char* precision_name(Precision precision);
// What "auto" resolves to on this CPU and why, in one sentence (for `hone info`).
std::string auto_precision_reason();

}  // namespace hone
