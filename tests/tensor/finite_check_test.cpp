// first_non_finite finds NaN and infinity in every float storage type by their bits, and
// check_finite names the tensor and source (issue 11, item 7).
#include <gtest/gtest.h>

#include <limits>

#include "hone/tensor/finite_check.h"
#include "hone/util/error.h"

namespace hone {
namespace {

TEST(FiniteCheck, FindsTheFirstNonFiniteValueInEachFloatType) {
  for (DType dtype : {DType::F32, DType::F64, DType::BF16, DType::F16}) {
    Tensor t = Tensor::full({3, 5}, 1.5).to(dtype);
    EXPECT_FALSE(first_non_finite(t).has_value()) << dtype_name(dtype);
    for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                       -std::numeric_limits<double>::infinity()}) {
      Tensor f = Tensor::full({3, 5}, 1.5);
      f.data<float>()[7] = float(bad);
      f.data<float>()[11] = float(bad);
      const std::optional<int64_t> at = first_non_finite(f.to(dtype));
      ASSERT_TRUE(at.has_value()) << dtype_name(dtype) << " " << bad;
      EXPECT_EQ(*at, 7);
    }
  }
  // The largest finite values are not flagged.
  Tensor big = Tensor::full({2}, double(std::numeric_limits<float>::max()));
  EXPECT_FALSE(first_non_finite(big).has_value());
}

TEST(FiniteCheck, ErrorNamesSourceTensorAndElement) {
  Tensor t = Tensor::full({2, 2}, 0.0);
  t.data<float>()[3] = std::numeric_limits<float>::quiet_NaN();
  try {
    check_finite(t, "model.layers.0.self_attn.q_proj.weight", "m/model.safetensors");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "m/model.safetensors: tensor 'model.layers.0.self_attn.q_proj.weight' holds a non-finite value (nan) at "
                 "element 3 of [2, 2]");
  }
}

}  // namespace
}  // namespace hone
