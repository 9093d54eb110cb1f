// LoRA's initial values, tested statistically (hone's RNG is not PyTorch's): Kaiming-uniform A
// within 1/sqrt(in) with the uniform's mean and variance, Gaussian A with std 1/r, B exactly
// zero, and DoRA's magnitude starting at the base weight's row norms.
#include <gtest/gtest.h>

#include <cmath>

#include "hone/peft/lora/layer.h"
#include "hone/util/rng.h"

namespace hone {
namespace {

LinearModule linear(int64_t out, int64_t in) {
  LinearModule m;
  m.name = "model.layers.0.self_attn.q_proj";
  m.weight = Tensor::zeros({out, in});
  return m;
}

struct Stats {
  double mean = 0, variance = 0, max_abs = 0;
};

Stats stats(const Tensor& t) {
  const auto v = t.to_doubles();
  Stats s;
  for (double x : v) s.mean += x, s.max_abs = std::max(s.max_abs, std::abs(x));
  s.mean /= double(v.size());
  for (double x : v) s.variance += (x - s.mean) * (x - s.mean);
  s.variance /= double(v.size() - 1);
  return s;
}

TEST(LoraInit, KaimingUniformAWithinOneOverSqrtInAndZeroB) {
  const LinearModule base = linear(8, 4096);
  const LoraAdapter adapter(base, 16, 2.0, 0.0, false, "default", /*seed=*/3, /*stream=*/1);
  ASSERT_EQ(adapter.lora_A().shape(), Shape({16, 4096}));
  ASSERT_EQ(adapter.lora_B().shape(), Shape({8, 16}));
  const double bound = 1.0 / 64.0;  // kaiming_uniform_(a=sqrt(5)): gain * sqrt(3 / fan_in) = 1 / sqrt(4096)
  const Stats s = stats(adapter.lora_A());
  EXPECT_LE(s.max_abs, bound);
  EXPECT_GT(s.max_abs, 0.99 * bound);  // the whole range is used
  EXPECT_LT(std::abs(s.mean), 4 * bound / std::sqrt(3.0 * 65536));  // 4 standard errors
  EXPECT_NEAR(s.variance, bound * bound / 3, 0.03 * bound * bound / 3);
  for (double b : adapter.lora_B().to_doubles()) ASSERT_EQ(b, 0.0);
  EXPECT_TRUE(adapter.lora_A().requires_grad());
  EXPECT_TRUE(adapter.lora_B().requires_grad());
}

TEST(LoraInit, GaussianAHasStdOneOverR) {
  const LinearModule base = linear(8, 4096);
  const LoraAdapter adapter(base, 16, 2.0, 0.0, false, "gaussian", 3, 1);
  const Stats s = stats(adapter.lora_A());
  EXPECT_NEAR(std::sqrt(s.variance), 1.0 / 16, 0.03 / 16);
  EXPECT_LT(std::abs(s.mean), 4 * (1.0 / 16) / std::sqrt(65536.0));
  for (double b : adapter.lora_B().to_doubles()) ASSERT_EQ(b, 0.0);
}

TEST(LoraInit, SeedAndStreamFixTheValues) {
  const LinearModule base = linear(4, 64);
  const LoraAdapter a(base, 4, 1.0, 0.0, false, "default", 7, 2);
  const LoraAdapter same(base, 4, 1.0, 0.0, false, "default", 7, 2);
  const LoraAdapter other_stream(base, 4, 1.0, 0.0, false, "default", 7, 3);
  EXPECT_EQ(a.lora_A().to_doubles(), same.lora_A().to_doubles());
  EXPECT_NE(a.lora_A().to_doubles(), other_stream.lora_A().to_doubles());
}

TEST(LoraInit, DoraMagnitudeStartsAtTheRowNormsOfW) {
  LinearModule base = linear(6, 10);
  const Rng rng(1, 0);
  float* w_data = base.weight.data<float>();
  for (int64_t i = 0; i < base.weight.numel(); ++i) w_data[i] = 0.5f * rng.normal(uint64_t(i));
  const LoraAdapter adapter(base, 2, 2.0, 0.0, true, "default", 3, 1);
  ASSERT_TRUE(adapter.use_dora());
  ASSERT_EQ(adapter.magnitude().shape(), Shape({6}));
  const auto w = base.weight.to_doubles();
  const auto m = adapter.magnitude().to_doubles();
  for (int64_t o = 0; o < 6; ++o) {
    double s = 0;
    for (int64_t i = 0; i < 10; ++i) s += w[size_t(o * 10 + i)] * w[size_t(o * 10 + i)];
    EXPECT_NEAR(m[size_t(o)], std::sqrt(s), 1e-6 * std::sqrt(s)) << "row " << o;
  }
  EXPECT_TRUE(adapter.magnitude().requires_grad());
}

}  // namespace
}  // namespace hone
