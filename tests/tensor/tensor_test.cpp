// Tensor handles, views, dtype conversion and memory accounting.
#include <gtest/gtest.h>

#include "hone/tensor/allocator.h"
#include "hone/tensor/tensor.h"

namespace hone {
namespace {

TEST(Tensor, SliceAndSelectShareStorage) {
  std::vector<float> v(24);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i);
  Tensor t = Tensor::from_floats({4, 3, 2}, v);
  Tensor s = t.slice(1, 3);
  EXPECT_EQ(s.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(s.data<float>()[0], 6.0f);
  Tensor r = t.select(3);
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  r.data<float>()[0] = -1;
  EXPECT_EQ(t.data<float>()[18], -1.0f);
  EXPECT_THROW(t.slice(2, 5), Error);
}

TEST(Tensor, ViewInfersOneDimension) {
  Tensor t = Tensor::zeros({4, 6});
  EXPECT_EQ(t.view({-1, 3}).shape(), (Shape{8, 3}));
  EXPECT_EQ(t.view({2, 2, -1}).shape(), (Shape{2, 2, 6}));
  EXPECT_THROW(t.view({5, -1}), Error);
  EXPECT_THROW(t.view({-1, -1}), Error);
}

TEST(Tensor, ConversionsRoundTrip) {
  Tensor t = Tensor::from_floats({4}, std::vector<float>{1.0f, -2.5f, 0.15625f, 1024.0f});
  for (DType d : {DType::F64, DType::BF16, DType::F16}) {
    const auto back = t.to(d).to(DType::F32).to_doubles();
    EXPECT_EQ(back, t.to_doubles()) << dtype_name(d);
  }
  EXPECT_EQ(Tensor::from_ints({2}, std::vector<int32_t>{7, -3}).to(DType::F32).to_doubles(),
            (std::vector<double>{7, -3}));
}

TEST(Tensor, TypedAccessChecksTheDtype) {
  Tensor t = Tensor::zeros({2});
  EXPECT_THROW(t.data<double>(), Error);
  EXPECT_THROW(Tensor().shape(), Error);
}

TEST(Allocator, TracksLiveAndPeakBytes) {
  reset_peak_memory();
  const size_t before = memory_stats().live_bytes;
  {
    Tensor a = Tensor::empty({1024, 256});
    EXPECT_EQ(memory_stats().live_bytes, before + 1024 * 256 * 4);
    Tensor b = a.slice(0, 10);  // views allocate nothing
    EXPECT_EQ(memory_stats().live_bytes, before + 1024 * 256 * 4);
  }
  EXPECT_EQ(memory_stats().live_bytes, before);
  EXPECT_GE(memory_stats().peak_bytes, before + 1024 * 256 * 4);
  EXPECT_GT(peak_resident_bytes(), 0u);
}

TEST(DType, NamesAndBlockSizes) {
  EXPECT_EQ(dtype_from_name("q8_0"), DType::Q8_0);
  EXPECT_EQ(dtype_bytes(DType::Q8_0, 64), 68u);
  EXPECT_EQ(dtype_bytes(DType::BF16, 3), 6u);
  EXPECT_THROW(dtype_bytes(DType::Q4_0, 31), Error);
  EXPECT_THROW(dtype_from_name("f8"), Error);
}

}  // namespace
}  // namespace hone
