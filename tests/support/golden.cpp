#include "support/golden.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hone::testing {

Golden::Golden(const std::string& name) : file_(SafetensorsFile::open(std::string(HONE_GOLDEN_DIR) + "/" + name + ".safetensors")) {}

Tensor Golden::get(const std::string& key) const {
  Tensor t = file_.get(key);
  if (t.dtype() == DType::I32 || t.dtype() == DType::F32) return t;
  return t.to(DType::F32);
}

void expect_close(const Tensor& actual, const Tensor& expected, double atol, double rtol, const std::string& what) {
  ASSERT_TRUE(actual.defined()) << what << ": undefined";
  ASSERT_EQ(actual.shape(), expected.shape()) << what << ": shape " << actual.shape().str() << " vs expected "
                                              << expected.shape().str();
  const auto a = actual.to_doubles();
  const auto e = expected.to_doubles();
  size_t bad = 0, worst = 0;
  double worst_excess = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double excess = std::abs(a[i] - e[i]) - (atol + rtol * std::abs(e[i]));
    if (excess > 0 || std::isnan(a[i]) != std::isnan(e[i])) {
      ++bad;
      if (excess > worst_excess || bad == 1) {
        worst_excess = excess;
        worst = i;
      }
    }
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << a.size() << " elements outside atol " << atol << " rtol "
                     << rtol << "; worst at " << worst << ": " << a[worst] << " vs " << e[worst];
}

}  // namespace hone::testing
