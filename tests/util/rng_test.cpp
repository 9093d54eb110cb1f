// Counter-based RNG: reproducible, position-addressable, roughly uniform/normal.
#include <gtest/gtest.h>

#include <cmath>

#include "hone/util/rng.h"

namespace hone {
namespace {

TEST(Rng, PositionsArePureFunctionsOfSeedAndStream) {
  Rng a(42, 1), b(42, 1), c(42, 2), d(43, 1);
  for (uint64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(a.bits(i), b.bits(i));
  }
  int same_stream = 0, same_seed = 0;
  for (uint64_t i = 0; i < 100; ++i) {
    same_stream += a.bits(i) == c.bits(i);
    same_seed += a.bits(i) == d.bits(i);
  }
  EXPECT_LT(same_stream, 2);
  EXPECT_LT(same_seed, 2);
}

TEST(Rng, SequentialUseResumesFromOffset) {
  Rng a(7);
  for (int i = 0; i < 10; ++i) a.next_uniform();
  Rng b(7);
  b.set_offset(a.offset());
  EXPECT_EQ(a.next_bits(), b.next_bits());
}

TEST(Rng, UniformAndNormalMoments) {
  Rng r(1);
  double su = 0, sn = 0, sn2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform(uint64_t(i));
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    su += u;
    const double z = r.normal(uint64_t(i));
    sn += z;
    sn2 += z * z;
  }
  EXPECT_NEAR(su / n, 0.5, 0.005);
  EXPECT_NEAR(sn / n, 0.0, 0.01);
  EXPECT_NEAR(sn2 / n, 1.0, 0.02);
}

}  // namespace
}  // namespace hone
