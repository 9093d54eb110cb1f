// gemv (few activation rows times a weight matrix in f32/bf16/f16/q8_0) on every compiled path
// against an f64 reference over the weights as convert_elements widens them; widen_rows and the
// tile-widening GEMMs against the same widened weights.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "hone/tensor/kernels_gemv.h"
#include "hone/tensor/kernels_matmul.h"
#include "hone/tensor/tensor.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using kernels::GemvPath;

// The weight [N, K] in `dtype` and its f32 widening (the reference's view of it).
struct Weight {
  Tensor stored, widened;
};
Weight make_weight(int64_t N, int64_t K, DType dtype, uint64_t seed) {
  Tensor w = testing::random_f32({N, K}, seed);
  Tensor stored = w.to(dtype);
  return {stored, stored.to(DType::F32)};
}

// y[r, n] = sum_k x[r, k] w[n, k] (+ bias[n]) in f64, and the scale of its rounding error:
// sum_k |x[r, k] w[n, k]|.
struct Reference {
  std::vector<double> y, magnitude;
};
Reference reference(const std::vector<float>& x, int64_t m, int64_t K, const Tensor& w32, int64_t N,
                    const float* bias) {
  Reference ref{std::vector<double>(size_t(m * N)), std::vector<double>(size_t(m * N))};
  const float* w = w32.data<float>();
  for (int64_t r = 0; r < m; ++r)
    for (int64_t n = 0; n < N; ++n) {
      double s = bias ? bias[n] : 0.0, a = bias ? std::abs(bias[n]) : 0.0;
      for (int64_t k = 0; k < K; ++k) {
        s += double(x[size_t(r * K + k)]) * double(w[n * K + k]);
        a += std::abs(double(x[size_t(r * K + k)]) * double(w[n * K + k]));
      }
      ref.y[size_t(r * N + n)] = s;
      ref.magnitude[size_t(r * N + n)] = a;
    }
  return ref;
}

std::vector<float> random_values(int64_t n, uint64_t seed) {
  const Tensor t = testing::random_f32({std::max<int64_t>(n, 1)}, seed);
  return std::vector<float>(t.data<float>(), t.data<float>() + n);
}

void expect_matches_reference(const std::vector<float>& y, const Reference& ref, const std::string& what) {
  ASSERT_EQ(y.size(), ref.y.size()) << what;
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_NEAR(double(y[i]), ref.y[i], 1e-6 * ref.magnitude[i] + 1e-6) << what << " element " << i;
}

struct GemvCase {
  DType dtype;
  int64_t K, N;
};

std::string case_name(GemvPath path, DType dtype, int64_t m, int64_t K, int64_t N, bool bias) {
  return std::string(kernels::gemv_path_name(path)) + " " + dtype_name(dtype) + " m=" + std::to_string(m) +
         " K=" + std::to_string(K) + " N=" + std::to_string(N) + (bias ? " +bias" : "");
}

TEST(Gemv, EveryPathAndDtypeMatchesF64Reference) {
  // Odd K (scalar tails), K below one vector step, odd N (single-row tiles after the 8- and
  // 4-row ones), and a size large enough to be split over threads.
  const std::vector<GemvCase> cases = {
      {DType::F32, 37, 13},  {DType::F32, 5, 3},     {DType::F32, 96, 50},  {DType::F32, 200, 301},
      {DType::BF16, 77, 11}, {DType::BF16, 64, 33},  {DType::BF16, 250, 257},
      {DType::F16, 45, 9},   {DType::F16, 128, 21},  {DType::F16, 161, 403},
      {DType::Q8_0, 32, 7},  {DType::Q8_0, 96, 35},  {DType::Q8_0, 576, 211},
  };
  uint64_t seed = 100;
  for (GemvPath path : kernels::gemv_paths()) {
    for (const GemvCase& c : cases) {
      const Weight w = make_weight(c.N, c.K, c.dtype, ++seed);
      const std::vector<float> bias = random_values(c.N, ++seed);
      for (int64_t m : {1, 2, 3, 4, 5, 8}) {
        const std::vector<float> x = random_values(m * c.K, ++seed);
        for (bool with_bias : {false, true}) {
          const float* b = with_bias ? bias.data() : nullptr;
          std::vector<float> y(size_t(m * c.N), std::nanf(""));
          kernels::gemv_with(path, x.data(), m, c.K, w.stored.raw(), c.dtype, c.N, b, y.data());
          expect_matches_reference(y, reference(x, m, c.K, w.widened, c.N, b),
                                   case_name(path, c.dtype, m, c.K, c.N, with_bias));
        }
      }
    }
  }
}

TEST(Gemv, SplitOverThreadsGivesTheOneThreadResultExactly) {
  // Over 4 MiB of weights: split whatever the OpenMP wait policy. Each output row is computed by
  // the same code whichever thread owns it, so the results are bit-identical.
  const int previous = omp_get_max_threads();
  for (DType dtype : {DType::F32, DType::Q8_0}) {
    const int64_t K = 1024, N = dtype == DType::F32 ? 1100 : 4500;
    const Weight w = make_weight(N, K, dtype, 30);
    for (int64_t m : {1, 3}) {
      const std::vector<float> x = random_values(m * K, 31);
      std::vector<float> one(size_t(m * N)), two(size_t(m * N));
      omp_set_num_threads(1);
      kernels::gemv(x.data(), m, K, w.stored.raw(), dtype, N, nullptr, one.data());
      omp_set_num_threads(2);
      kernels::gemv(x.data(), m, K, w.stored.raw(), dtype, N, nullptr, two.data());
      EXPECT_EQ(one, two) << dtype_name(dtype) << " m=" << m;
      expect_matches_reference(two, reference(x, m, K, w.widened, N, nullptr), std::string("threaded ") + dtype_name(dtype));
    }
  }
  omp_set_num_threads(previous);
}

TEST(Gemv, DefaultPathIsTheWidestCompiledOne) {
  const Weight w = make_weight(19, 64, DType::F16, 7);
  const std::vector<float> x = random_values(3 * 64, 8);
  std::vector<float> a(3 * 19), b(3 * 19);
  kernels::gemv(x.data(), 3, 64, w.stored.raw(), DType::F16, 19, nullptr, a.data());
  kernels::gemv_with(kernels::gemv_paths().back(), x.data(), 3, 64, w.stored.raw(), DType::F16, 19, nullptr, b.data());
  EXPECT_EQ(a, b);
}

TEST(Gemv, EmptyInnerDimensionGivesTheBias) {
  const std::vector<float> bias{1.5f, -2.0f, 0.25f};
  std::vector<float> y(6, std::nanf(""));
  for (GemvPath path : kernels::gemv_paths()) {
    kernels::gemv_with(path, nullptr, 2, 0, nullptr, DType::F32, 3, bias.data(), y.data());
    EXPECT_EQ(y, (std::vector<float>{1.5f, -2.0f, 0.25f, 1.5f, -2.0f, 0.25f})) << kernels::gemv_path_name(path);
  }
}

TEST(Gemv, RefusesUnsupportedWeights) {
  const Tensor w = testing::random_f32({4, 64}, 9).to(DType::Q4_0);
  std::vector<float> x(64), y(4);
  EXPECT_FALSE(kernels::gemv_supports(DType::Q4_0));
  EXPECT_THROW(kernels::gemv(x.data(), 1, 64, w.raw(), DType::Q4_0, 4, nullptr, y.data()), Error);
  // q8_0 rows must be whole blocks.
  EXPECT_THROW(kernels::gemv(x.data(), 1, 33, w.raw(), DType::Q8_0, 1, nullptr, y.data()), Error);
}

// C = alpha · A op(B) + beta · C in f64 over row-strided operands; op(B) = Bᵀ when b_rows_are_n.
struct Strided {
  int64_t M, N, K, lda, ldb, ldc;
};
void expect_small_m_gemm_matches(const Strided& d, bool transposed_b, float alpha, float beta, uint64_t seed) {
  const int64_t b_rows = transposed_b ? d.N : d.K;
  const std::vector<float> A = random_values(d.M * d.lda, seed), B = random_values(b_rows * d.ldb, seed + 1);
  std::vector<float> C = random_values(d.M * d.ldc, seed + 2);
  if (beta == 0.0f) std::fill(C.begin(), C.end(), std::nanf(""));  // beta = 0 must not read C
  const std::vector<float> before = C;
  if (transposed_b)
    kernels::gemm_small_m_nt(d.M, d.N, d.K, alpha, A.data(), d.lda, B.data(), d.ldb, beta, C.data(), d.ldc);
  else
    kernels::gemm_small_m_nn(d.M, d.N, d.K, alpha, A.data(), d.lda, B.data(), d.ldb, beta, C.data(), d.ldc);
  const std::string what = std::string(transposed_b ? "nt" : "nn") + " M=" + std::to_string(d.M) +
                           " N=" + std::to_string(d.N) + " K=" + std::to_string(d.K);
  for (int64_t r = 0; r < d.M; ++r) {
    for (int64_t n = 0; n < d.N; ++n) {
      double s = 0, magnitude = 0;
      for (int64_t k = 0; k < d.K; ++k) {
        const double b = transposed_b ? B[size_t(n * d.ldb + k)] : B[size_t(k * d.ldb + n)];
        s += double(A[size_t(r * d.lda + k)]) * b;
        magnitude += std::abs(double(A[size_t(r * d.lda + k)]) * b);
      }
      const double old = beta == 0.0f ? 0.0 : double(before[size_t(r * d.ldc + n)]);
      const double expected = double(alpha) * s + double(beta) * old;
      ASSERT_NEAR(C[size_t(r * d.ldc + n)], expected, 1e-6 * (std::abs(alpha) * magnitude + std::abs(old)) + 1e-6)
          << what << " at " << r << ", " << n;
    }
    for (int64_t n = d.N; n < d.ldc; ++n)  // the gap between rows of C is left alone
      ASSERT_EQ(std::memcmp(&C[size_t(r * d.ldc + n)], &before[size_t(r * d.ldc + n)], 4), 0) << what;
  }
}

TEST(GemmSmallM, StridedOperandsAlphaAndBetaMatchF64Reference) {
  // Attention's shapes (one query row, keys strided by the kv heads) and larger, threaded ones.
  const std::vector<Strided> shapes = {{1, 300, 64, 576, 192, 300},  {3, 37, 45, 50, 70, 41},
                                       {8, 129, 33, 33, 160, 140},   {2, 700, 96, 96, 96, 700},
                                       {1, 64, 300, 300, 192, 576},  {5, 1100, 130, 130, 1100, 1100}};
  uint64_t seed = 500;
  for (const Strided& d : shapes)
    for (bool transposed_b : {true, false})
      for (auto [alpha, beta] : std::vector<std::pair<float, float>>{{1.0f, 0.0f}, {0.125f, 0.0f}, {-0.5f, 1.0f}}) {
        Strided shape = d;
        if (!transposed_b) shape.ldb = std::max(d.ldb, d.N);  // B is [K, N] here
        else shape.ldb = std::max(d.ldb, d.K);
        expect_small_m_gemm_matches(shape, transposed_b, alpha, beta, seed += 3);
      }
}

TEST(WidenRows, MatchesConvertElementsExactly) {
  for (auto [dtype, K] : std::vector<std::pair<DType, int64_t>>{
           {DType::F32, 37}, {DType::BF16, 77}, {DType::F16, 45}, {DType::Q8_0, 96}, {DType::Q4_0, 64}, {DType::F16, 160}}) {
    const Weight w = make_weight(9, K, dtype, 11);
    std::vector<float> out(size_t(4 * K));
    kernels::widen_rows(w.stored.raw(), dtype, K, 3, 4, out.data());
    for (int64_t i = 0; i < 4 * K; ++i)
      ASSERT_EQ(out[size_t(i)], w.widened.data<float>()[3 * K + i]) << dtype_name(dtype) << " element " << i;
  }
}

TEST(GemmWidening, ProductAndInputGradientMatchF64Reference) {
  for (DType dtype : {DType::BF16, DType::F16, DType::Q8_0, DType::Q4_0}) {
    const int64_t M = 21, K = 96, N = 301;  // several tiles, the last one partial
    const Weight w = make_weight(N, K, dtype, 20);
    const std::vector<float> x = random_values(M * K, 21);
    // y = x wᵀ + beta y, beta = 1 with y holding a bias row.
    const std::vector<float> bias = random_values(N, 22);
    std::vector<float> y(size_t(M * N));
    for (int64_t r = 0; r < M; ++r) std::copy(bias.begin(), bias.end(), y.begin() + r * N);
    kernels::gemm_xwt_widening(M, N, K, x.data(), w.stored.raw(), dtype, 1.0f, y.data());
    expect_matches_reference(y, reference(x, M, K, w.widened, N, bias.data()),
                             std::string("gemm_xwt_widening ") + dtype_name(dtype));
    // dx = g w: the reference treats wᵀ [K, N] as the weight.
    const std::vector<float> g = random_values(M * N, 23);
    std::vector<float> dx(size_t(M * K), std::nanf(""));
    kernels::gemm_gw_widening(M, N, K, g.data(), w.stored.raw(), dtype, dx.data());
    Tensor wt = Tensor::empty({K, N});
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) wt.data<float>()[k * N + n] = w.widened.data<float>()[n * K + k];
    expect_matches_reference(dx, reference(g, M, N, wt, K, nullptr), std::string("gemm_gw_widening ") + dtype_name(dtype));
  }
}

}  // namespace
}  // namespace hone
