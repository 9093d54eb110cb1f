// The oneDNN products: f32 gemm through dnnl_sgemm against OpenBLAS's, and bf16 products
// (precision bf16) against the exact product of the bf16-rounded operands, for every transpose
// combination, strided rows, alpha and beta, shared and batched operands, and bf16-stored weights.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hone/tensor/half.h"
#include "hone/tensor/kernels_matmul.h"
#include "hone/tensor/kernels_matmul_bf16.h"
#include "hone/tensor/onednn_products.h"
#include "hone/tensor/product_precision.h"
#include "hone/tensor/tensor.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

std::vector<float> random_values(int64_t n, uint64_t seed) {
  const Tensor t = testing::random_f32({n}, seed);
  return std::vector<float>(t.data<float>(), t.data<float>() + n);
}

float rounded(float v) { return bf16_to_f32(f32_to_bf16(v)); }

// C = alpha op(A) op(B) + beta C0 in f64, reading A and B through `read` (identity or bf16 rounding).
template <class Read>
std::vector<double> reference(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                              const std::vector<float>& A, int64_t lda, const std::vector<float>& B, int64_t ldb,
                              float beta, const std::vector<float>& C0, int64_t ldc, Read read) {
  std::vector<double> C(size_t(M * ldc));
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k)
        s += double(read(ta ? A[size_t(k * lda + i)] : A[size_t(i * lda + k)])) *
             double(read(tb ? B[size_t(j * ldb + k)] : B[size_t(k * ldb + j)]));
      C[size_t(i * ldc + j)] = alpha * s + beta * double(C0[size_t(i * ldc + j)]);
    }
  return C;
}

struct Case {
  bool ta, tb;
  int64_t M, N, K;
  float alpha, beta;
};
const Case kCases[] = {{false, true, 37, 29, 64, 1.0f, 0.0f}, {false, false, 33, 40, 17, 0.5f, 1.0f},
                       {true, false, 24, 31, 50, 2.0f, 0.0f}, {true, true, 19, 16, 23, 1.0f, 1.0f}};

TEST(OnednnProducts, Bf16GemmIsTheExactProductOfRoundedOperands) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(::testing::Message() << c.ta << c.tb << " M" << c.M << " N" << c.N << " K" << c.K);
    // Row strides wider than the rows, as attention's per-head views have.
    const int64_t lda = (c.ta ? c.M : c.K) + 3, ldb = (c.tb ? c.K : c.N) + 5, ldc = c.N + 2;
    const auto A = random_values((c.ta ? c.K : c.M) * lda, 1), B = random_values((c.tb ? c.N : c.K) * ldb, 2);
    const auto C0 = random_values(c.M * ldc, 3);
    const auto want = reference(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A, lda, B, ldb, c.beta, C0, ldc, rounded);
    const auto plain = reference(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A, lda, B, ldb, c.beta, C0, ldc,
                                 [](float v) { return v; });
    std::vector<float> C = C0;
    {
      ProductPrecisionGuard bf16(Precision::BF16);
      kernels::gemm<float>(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, C.data(), ldc);
    }
    double worst = 0, worst_vs_plain = 0;
    for (int64_t i = 0; i < c.M; ++i)
      for (int64_t j = 0; j < c.N; ++j) {
        const size_t at = size_t(i * ldc + j);
        worst = std::max(worst, std::abs(C[at] - want[at]));
        worst_vs_plain = std::max(worst_vs_plain, std::abs(C[at] - plain[at]));
      }
    EXPECT_LT(worst, 1e-4 * std::sqrt(double(c.K)));  // f32 sums of K products of size ~1
    EXPECT_GT(worst_vs_plain, 1e-3);                   // and the inputs really were rounded
    for (int64_t i = 0; i < c.M; ++i)  // the padding between rows of C is left alone
      for (int64_t j = c.N; j < ldc; ++j) EXPECT_EQ(C[size_t(i * ldc + j)], C0[size_t(i * ldc + j)]);
  }
}

TEST(OnednnProducts, Bf16BatchedWithSharedOperand) {
  const int64_t batch = 3, M = 20, N = 12, K = 16;
  const auto A = random_values(batch * M * K, 4), B = random_values(K * N, 5);
  std::vector<float> C(size_t(batch * M * N), 0.0f);
  {
    ProductPrecisionGuard bf16(Precision::BF16);
    kernels::gemm_batched<float>(false, false, M, N, K, 1.0f, A.data(), K, M * K, B.data(), N, 0, 0.0f, C.data(), N,
                                 M * N, batch);
  }
  for (int64_t b = 0; b < batch; ++b) {
    const std::vector<float> Ab(A.begin() + b * M * K, A.begin() + (b + 1) * M * K);
    const auto want = reference(false, false, M, N, K, 1.0f, Ab, K, B, N, 0.0f, std::vector<float>(size_t(M * N)), N,
                                rounded);
    for (int64_t i = 0; i < M * N; ++i) EXPECT_NEAR(C[size_t(b * M * N + i)], want[size_t(i)], 1e-4) << b;
  }
}

// A weight stored in bf16 is read as it is: the same result as rounding its f32 original.
TEST(OnednnProducts, Bf16StoredWeightEqualsRoundedF32Weight) {
  const int64_t M = 21, N = 18, K = 32;
  const auto x = random_values(M * K, 6);
  const Tensor w = testing::random_f32({N, K}, 7);
  const Tensor w16 = w.to(DType::BF16);
  std::vector<float> from_f32(size_t(M * N)), from_bf16(size_t(M * N));
  ProductPrecisionGuard bf16(Precision::BF16);
  kernels::gemm<float>(false, true, M, N, K, 1.0f, x.data(), K, w.data<float>(), K, 0.0f, from_f32.data(), N);
  kernels::gemm_xwt_widening(M, N, K, x.data(), w16.raw(), DType::BF16, 0.0f, from_bf16.data());
  EXPECT_EQ(from_f32, from_bf16);
}

// dnnl_sgemm (AVX-512 CPUs) and OpenBLAS agree to f32 rounding.
TEST(OnednnProducts, OnednnSgemmMatchesF64) {
  for (const Case& c : kCases) {
    const int64_t lda = c.ta ? c.M : c.K, ldb = c.tb ? c.K : c.N, ldc = c.N;
    const auto A = random_values((c.ta ? c.K : c.M) * lda, 8), B = random_values((c.tb ? c.N : c.K) * ldb, 9);
    const auto C0 = random_values(c.M * ldc, 10);
    const auto want = reference(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A, lda, B, ldb, c.beta, C0, ldc,
                                [](float v) { return v; });
    std::vector<float> C = C0;
    kernels::onednn_sgemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, C.data(), ldc);
    for (size_t i = 0; i < C.size(); ++i) EXPECT_NEAR(C[i], want[i], 1e-5 * std::sqrt(double(c.K)));
  }
}

TEST(OnednnProducts, PrecisionNames) {
  EXPECT_EQ(resolve_precision("f32"), Precision::F32);
  EXPECT_EQ(resolve_precision("bf16"), Precision::BF16);
  EXPECT_EQ(resolve_precision("auto"), kernels::cpu_has_native_bf16() ? Precision::BF16 : Precision::F32);
  EXPECT_THROW(resolve_precision("fp16"), Error);
  try {
    resolve_precision("half", "--precision");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--precision must be f32, bf16 or auto"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hone
