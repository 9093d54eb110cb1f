// The vectorised exp and row reductions of vector_math.h: every implementation this build
// compiles (AVX-512, AVX2 + FMA, scalar) against exp and sums in double, over millions of inputs
// spread across the whole float range and at the special values.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "hone/tensor/vector_math.h"

namespace hone {
namespace {

// One implementation's array functions, so each test runs over all of them.
struct Impl {
  std::string name;
  float (*max)(const float*, int64_t);
  float (*sum)(const float*, int64_t);
  float (*dot)(const float*, const float*, int64_t);
  float (*exp_shifted_sum)(const float*, float*, int64_t, float);
  void (*exp_shifted)(const float*, float*, int64_t, float);
  void (*sigmoid)(const float*, float*, int64_t);
};

#define HONE_IMPL(ns)                                                                                              \
  Impl {                                                                                                           \
    #ns, vecmath::ns::max, vecmath::ns::sum, vecmath::ns::dot, vecmath::ns::exp_shifted_sum,                     \
        vecmath::ns::exp_shifted, [](const float* x, float* y, int64_t n) { vecmath::ns::sigmoid(x, y, n); } \
  }

std::vector<Impl> implementations() {
  std::vector<Impl> all{HONE_IMPL(scalar)};
#if defined(__AVX2__) && defined(__FMA__)
  all.push_back(HONE_IMPL(avx2));
#endif
#if defined(__AVX512F__)
  all.push_back(HONE_IMPL(avx512));
#endif
  return all;
}
#undef HONE_IMPL

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Error of y in units of the float spacing at the correctly rounded result of exp(x) in double
// (2^-149 in the denormal range). Infinite when y overflowed but the true result did not.
double ulp_error(float y, double exact) {
  const float rounded = float(exact);
  if (std::isinf(rounded)) return std::isinf(y) && y > 0 ? 0.0 : std::numeric_limits<double>::infinity();
  if (std::isinf(y)) return std::numeric_limits<double>::infinity();
  const double spacing = std::max(double(std::nextafter(rounded, kInf)) - double(rounded), std::ldexp(1.0, -149));
  return std::abs(double(y) - exact) / spacing;
}

// Inputs from -110 to 95 (past both ends of the finite range), stepping through float bit
// patterns: ~8 million points, every binade, dense near 0 and through the denormal results.
std::vector<float> sweep_inputs() {
  std::vector<float> x;
  for (uint32_t bits = 0; bits < 0x7f800000u; bits += 257) {
    const float v = std::bit_cast<float>(bits);
    if (v <= 95.0f) x.push_back(v);
    if (v <= 110.0f) x.push_back(-v);
  }
  return x;
}

TEST(VectorMath, ExpIsWithinOneUlpOverTheWholeRange) {
  const std::vector<float> x = sweep_inputs();
  ASSERT_GT(x.size(), size_t(5'000'000));
  std::vector<float> y(x.size());
  for (const Impl& impl : implementations()) {
    impl.exp_shifted(x.data(), y.data(), int64_t(x.size()), 0.0f);
    double worst = 0;
    float worst_at = 0;
    int64_t denormal_results = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double exact = std::exp(double(x[i]));
      const double err = ulp_error(y[i], exact);
      if (err > worst) worst = err, worst_at = x[i];
      if (y[i] > 0 && y[i] < std::numeric_limits<float>::min()) ++denormal_results;
    }
    EXPECT_LE(worst, 1.0) << impl.name << ": worst at x = " << worst_at;
    EXPECT_GT(denormal_results, 1000) << impl.name << ": the sweep should reach denormal results";
    RecordProperty(impl.name + "_worst_ulp", std::to_string(worst));
    std::printf("%s: worst %.3f ulp at x = %.9g\n", impl.name.c_str(), worst, double(worst_at));
  }
}

TEST(VectorMath, ExpSpecialValues) {
  // Each value at every lane position of a vector (and in a tail), so masked paths are hit too.
  const std::vector<std::pair<float, float>> cases{
      {0.0f, 1.0f},   {-0.0f, 1.0f},  {-kInf, 0.0f},  {kInf, kInf},   {-1000.0f, 0.0f}, {1000.0f, kInf},
      {-104.0f, 0.0f}, {89.0f, kInf}, {-103.0f, std::exp(-103.0f)}, {88.5f, std::exp(88.5f)}, {1.0f, std::exp(1.0f)}};
  for (const Impl& impl : implementations()) {
    for (const auto& [in, expected] : cases) {
      for (int64_t n : {1, 7, 8, 15, 16, 17, 31, 33}) {
        std::vector<float> x(size_t(n), in), y(size_t(n), -1.0f);
        impl.exp_shifted(x.data(), y.data(), n, 0.0f);
        for (int64_t i = 0; i < n; ++i) {
          if (in == -103.0f || in == 88.5f || in == 1.0f)
            EXPECT_LE(ulp_error(y[size_t(i)], std::exp(double(in))), 2.0) << impl.name << " exp(" << in << ")";
          else
            EXPECT_EQ(y[size_t(i)], expected) << impl.name << " exp(" << in << ") lane " << i << " of " << n;
        }
      }
    }
    std::vector<float> x(19, 0.5f), y(19);
    x[3] = kNaN;
    x[18] = kNaN;
    impl.exp_shifted(x.data(), y.data(), 19, 0.0f);
    EXPECT_TRUE(std::isnan(y[3])) << impl.name;
    EXPECT_TRUE(std::isnan(y[18])) << impl.name;
    EXPECT_FALSE(std::isnan(y[4])) << impl.name;
  }
}

// Deterministic values in [lo, hi) without a generator dependency.
std::vector<float> values(int64_t n, uint32_t seed, float lo, float hi) {
  std::vector<float> v(static_cast<size_t>(n));
  uint32_t s = seed * 2654435761u + 1;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = lo + (hi - lo) * float(s >> 8) / float(1 << 24);
  }
  return v;
}

// Lengths around every vector width and unroll (8, 16, 32) plus long rows.
const std::vector<int64_t> kLengths{0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 1000, 8192};

TEST(VectorMath, ReductionsMatchDoubleSums) {
  for (const Impl& impl : implementations()) {
    for (int64_t n : kLengths) {
      const auto a = values(n, uint32_t(n) + 1, -3, 3), b = values(n, uint32_t(n) + 2, -3, 3);
      double max = -kInf, sum = 0, dot = 0, abs_sum = 0, abs_dot = 0;
      for (int64_t i = 0; i < n; ++i) {
        max = std::max<double>(max, a[size_t(i)]);
        sum += a[size_t(i)], abs_sum += std::abs(a[size_t(i)]);
        dot += double(a[size_t(i)]) * b[size_t(i)], abs_dot += std::abs(double(a[size_t(i)]) * b[size_t(i)]);
      }
      EXPECT_EQ(impl.max(a.data(), n), float(max)) << impl.name << " n " << n;
      EXPECT_NEAR(impl.sum(a.data(), n), sum, 1e-6 * abs_sum + 1e-30) << impl.name << " n " << n;
      EXPECT_NEAR(impl.dot(a.data(), b.data(), n), dot, 1e-6 * abs_dot + 1e-30) << impl.name << " n " << n;
    }
  }
}

TEST(VectorMath, MaxIgnoresNaNLikeTheScalarComparison) {
  for (const Impl& impl : implementations()) {
    for (int64_t n : {5, 16, 40}) {
      std::vector<float> x = values(n, 9, -1, 1);
      x[0] = kNaN;
      x[size_t(n - 1)] = kNaN;
      EXPECT_EQ(impl.max(x.data(), n), vecmath::scalar::max(x.data(), n)) << impl.name << " n " << n;
    }
    const std::vector<float> hidden(37, -kInf);
    EXPECT_EQ(impl.max(hidden.data(), 37), -kInf) << impl.name;
  }
}

TEST(VectorMath, ExpShiftedSumStoresAndSumsOnlyTheRow) {
  for (const Impl& impl : implementations()) {
    for (int64_t n : kLengths) {
      const auto x = values(n, uint32_t(n) + 3, -20, 5);
      const float shift = 4.0f;
      double exact_sum = 0;
      for (float v : x) exact_sum += std::exp(double(v) - shift);
      // One element past the end must stay untouched: tails are masked, not overrun.
      std::vector<float> y(size_t(n) + 1, 123.0f);
      const float sum = impl.exp_shifted_sum(x.data(), y.data(), n, shift);
      EXPECT_NEAR(sum, exact_sum, 1e-5 * exact_sum + 1e-30) << impl.name << " n " << n;
      EXPECT_EQ(y[size_t(n)], 123.0f) << impl.name << " n " << n;
      for (int64_t i = 0; i < n; ++i)
        ASSERT_LE(ulp_error(y[size_t(i)], std::exp(double(x[size_t(i)] - shift))), 2.0) << impl.name << " n " << n;
      EXPECT_EQ(impl.exp_shifted_sum(x.data(), nullptr, n, shift), sum) << impl.name << ": summing alone";
      std::vector<float> in_place = x;
      EXPECT_EQ(impl.exp_shifted_sum(in_place.data(), in_place.data(), n, shift), sum) << impl.name;
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(in_place[size_t(i)], y[size_t(i)]) << impl.name << " in place";
    }
  }
}

TEST(VectorMath, SigmoidMatchesDoubleAndSaturates) {
  for (const Impl& impl : implementations()) {
    for (int64_t n : kLengths) {
      auto x = values(n, uint32_t(n) + 5, -30, 30);
      if (n > 3) x[0] = -kInf, x[1] = kInf, x[2] = -200.0f, x[3] = 200.0f;
      std::vector<float> y(size_t(n) + 1, 7.0f);
      impl.sigmoid(x.data(), y.data(), n);
      EXPECT_EQ(y[size_t(n)], 7.0f) << impl.name;
      for (int64_t i = 0; i < n; ++i) {
        const double exact = 1.0 / (1.0 + std::exp(-double(x[size_t(i)])));
        ASSERT_NEAR(y[size_t(i)], exact, 6e-7 * exact + 1e-45) << impl.name << " x " << x[size_t(i)];
      }
      if (n > 3) {
        EXPECT_EQ(y[0], 0.0f);
        EXPECT_EQ(y[1], 1.0f);
      }
    }
  }
}

TEST(VectorMath, DoubleTemplatesStayExact) {
  // double goes through std::exp: the reference that gradient checks rely on.
  const std::vector<double> x{-3.5, 0.0, 1.25, 700.0, -800.0};
  std::vector<double> y(x.size());
  const double sum = vecmath::exp_shifted_sum(x.data(), y.data(), int64_t(x.size()), 1.0);
  double expected = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(y[i], std::exp(x[i] - 1.0));
    expected += std::exp(x[i] - 1.0);
  }
  EXPECT_EQ(sum, expected);
  EXPECT_EQ(vecmath::max(x.data(), int64_t(x.size())), 700.0);
}

TEST(VectorMath, SpansCoverTheArrayOnce) {
  for (int64_t n : {int64_t(0), int64_t(1), vecmath::kSpan - 1, vecmath::kSpan, vecmath::kSpan + 1, int64_t(100000)}) {
    std::vector<int> hits(size_t(n), 0);
    vecmath::for_each_span(n, 1000, [&](int64_t begin, int64_t count) {
      ASSERT_GT(count, 0);
      ASSERT_LE(count, vecmath::kSpan);
      for (int64_t i = begin; i < begin + count; ++i) ++hits[size_t(i)];
    });
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[size_t(i)], 1) << "n " << n << " element " << i;
  }
}

}  // namespace
}  // namespace hone
