// Dropout: keeps about 1-p of the elements scaled by 1/(1-p), the same mask for the same RNG
// position (so checkpoint recomputation agrees), and a gradient through exactly that mask.
#include <gtest/gtest.h>

#include "hone/autograd/ops_dropout.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

TEST(Dropout, KeepsTheExpectedFractionScaled) {
  const Tensor x = Tensor::full({100000}, 1.0);
  const auto y = dropout(x, 0.25, Rng(3, 1), 0).to_doubles();
  int64_t kept = 0;
  for (double v : y) {
    ASSERT_TRUE(v == 0.0 || std::abs(v - 1.0 / 0.75) < 1e-6) << v;
    kept += v != 0.0;
  }
  EXPECT_NEAR(double(kept) / double(y.size()), 0.75, 0.01);
}

TEST(Dropout, MaskIsAFunctionOfTheRngPosition) {
  const Tensor x = testing::random_f32({64}, 1);
  EXPECT_EQ(dropout(x, 0.5, Rng(9, 2), 100).to_doubles(), dropout(x, 0.5, Rng(9, 2), 100).to_doubles());
  EXPECT_NE(dropout(x, 0.5, Rng(9, 2), 100).to_doubles(), dropout(x, 0.5, Rng(9, 2), 200).to_doubles());
  EXPECT_TRUE(dropout(x, 0.0, Rng(9, 2), 0).same_as(x));
  EXPECT_THROW(dropout(x, 1.0, Rng(), 0), Error);
}

TEST(DropoutGrad, FiniteDifferences) {
  Tensor x = testing::random_f64({5, 7}, 2).set_requires_grad(true);
  testing::expect_gradients_match([](auto& in) { return dropout(in[0], 0.3, Rng(5, 5), 7); }, {x});
}

}  // namespace
}  // namespace hone
