#include "hone/tensor/product_routes.h"

#include "hone/tensor/kernels_gemv.h"
#include "hone/tensor/onednn_products.h"

extern "C" char* openblas_get_corename();

namespace hone {
namespace kernels {

std::vector<ProductRoute> product_routes() {
  const std::string onednn = "oneDNN " + onednn_version();
  const std::string openblas_isa = openblas_get_corename();
  const ProductRoute f32_gemm = onednn_sgemm_preferred()
                                    ? ProductRoute{"f32 gemm", onednn + " dnnl_sgemm", onednn_isa()}
                                    : ProductRoute{"f32 gemm", "OpenBLAS sgemm", openblas_isa};
  const std::string gemv_isa = gemv_path_name(gemv_paths().back());
  return {
      f32_gemm,
      {"f32 gemm, at most " + std::to_string(kGemvMaxRows) + " rows (decode, one query row)", "hone gemv", gemv_isa},
      {"bf16/f16/q8_0 weights, at most " + std::to_string(kGemvMaxRows) + " rows", "hone gemv", gemv_isa},
      {"bf16/f16/q8_0 weights in f32 precision", "widened tile by tile, then " + f32_gemm.library, f32_gemm.isa},
      {"bf16 x bf16 -> f32 (precision bf16)", onednn + " matmul",
       cpu_has_native_bf16() ? onednn_isa() : onednn_isa() + " (no native bf16: emulated)"},
      {"f64 gemm (gradient checks)", "OpenBLAS dgemm", openblas_isa},
  };
}

}  // namespace kernels
}  // namespace hone
