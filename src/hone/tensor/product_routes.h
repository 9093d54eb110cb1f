// Which library and instruction set run each kind of matrix product in this process, for
// `hone info` and benchmark records (the routing itself lives in kernels_matmul.cpp).
#pragma once

#include <string>
#include <vector>

namespace hone {
namespace kernels {

struct ProductRoute {
  std::string product;  // what is multiplied, e.g. "f32 gemm"
  std::string library;  // "oneDNN 2.6.3 dnnl_sgemm", "OpenBLAS", "hone gemv"
  std::string isa;      // the instruction set it runs here
};

std::vector<ProductRoute> product_routes();

}  // namespace kernels
}  // namespace hone
