// Dropout's mask as a random variable (issue 11, item 15): for several rates the kept fraction is
// within 5 binomial standard deviations of 1 - p, every kept value is scaled by exactly
// 1 / (1 - p), neighbouring elements and two different RNG positions are independent (their
// agreement matches p^2 + (1 - p)^2), and the same (seed, stream, offset) gives the same mask.
#include <gtest/gtest.h>

#include <cmath>

#include "hone/autograd/ops_dropout.h"

namespace hone {
namespace {

constexpr int64_t kN = 200000;

std::vector<bool> kept_mask(double p, const Rng& rng, uint64_t offset) {
  const auto y = dropout(Tensor::full({kN}, 1.0, DType::F64), p, rng, offset).to_doubles();
  std::vector<bool> kept(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    EXPECT_TRUE(y[i] == 0.0 || y[i] == 1.0 / (1.0 - p)) << "element " << i << " = " << y[i] << " at p " << p;
    kept[i] = y[i] != 0.0;
  }
  return kept;
}

// |observed - expected| within 5 standard deviations of a binomial proportion over n trials.
void expect_proportion(double observed, double expected, int64_t n, const std::string& what) {
  const double sigma = std::sqrt(expected * (1 - expected) / double(n));
  EXPECT_LE(std::abs(observed - expected), 5 * sigma) << what << ": " << observed << " vs " << expected;
}

TEST(DropoutStatistics, RateScalingAndIndependence) {
  for (double p : {0.05, 0.1, 0.5, 0.9}) {
    SCOPED_TRACE(p);
    const std::vector<bool> a = kept_mask(p, Rng(11, 3), 0), b = kept_mask(p, Rng(11, 3), uint64_t(kN));
    int64_t kept = 0, neighbours_both = 0, agree = 0;
    for (int64_t i = 0; i < kN; ++i) {
      kept += a[size_t(i)];
      if (i + 1 < kN) neighbours_both += a[size_t(i)] && a[size_t(i) + 1];
      agree += a[size_t(i)] == b[size_t(i)];
    }
    const double q = 1 - p;
    expect_proportion(double(kept) / double(kN), q, kN, "kept fraction");
    expect_proportion(double(neighbours_both) / double(kN - 1), q * q, kN - 1, "neighbours both kept");
    expect_proportion(double(agree) / double(kN), p * p + q * q, kN, "agreement of two RNG positions");
  }
}

TEST(DropoutStatistics, SameSeedAndStepGiveTheSameMaskOthersDoNot) {
  const std::vector<bool> a = kept_mask(0.3, Rng(5, 7), 1000);
  EXPECT_EQ(a, kept_mask(0.3, Rng(5, 7), 1000));
  EXPECT_NE(a, kept_mask(0.3, Rng(6, 7), 1000));  // another seed
  EXPECT_NE(a, kept_mask(0.3, Rng(5, 8), 1000));  // another stream (adapter)
  EXPECT_NE(a, kept_mask(0.3, Rng(5, 7), 1001));  // another step's offset
}

}  // namespace
}  // namespace hone
