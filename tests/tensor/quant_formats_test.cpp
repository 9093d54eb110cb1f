// ggml block formats against the independent numpy reference (tests/reference/golden_quant.py):
// dequantization of random blocks for Q8_0, Q4_0, Q4_K and Q6_K, and Q8_0/Q4_0 quantization
// byte for byte against ggml's reference rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hone/tensor/quant.h"
#include "hone/tensor/tensor.h"
#include "support/golden.h"

namespace hone {
namespace {

std::vector<uint8_t> bytes_of(const Tensor& ints) {
  std::vector<uint8_t> out;
  for (double v : ints.to_doubles()) out.push_back(uint8_t(int(v)));
  return out;
}

void expect_dequantizes_like_reference(DType dtype) {
  testing::Golden golden("quant_blocks");
  const std::string name = dtype_name(dtype);
  const std::vector<uint8_t> blocks = bytes_of(golden.get(name + "_blocks"));
  const Tensor expected = golden.get(name + "_values");
  const int64_t n = expected.numel();
  ASSERT_EQ(blocks.size(), dtype_bytes(dtype, n)) << name;
  Tensor actual = Tensor::empty({n});
  dequantize_row(dtype, blocks.data(), actual.data<float>(), n);
  // The formulas are evaluated in f32 on both sides; the only freedom is whether the compiler
  // fuses d*q - m into one FMA, worth an ulp of the largest term.
  double largest = 0;
  for (double v : expected.to_doubles()) largest = std::max(largest, std::abs(v));
  ASSERT_GT(largest, 0) << name;
  testing::expect_close(actual, expected, 4e-7 * largest, 0, name + " dequantization");
}

TEST(QuantFormats, Q8_0DequantizesLikeReference) { expect_dequantizes_like_reference(DType::Q8_0); }
TEST(QuantFormats, Q4_0DequantizesLikeReference) { expect_dequantizes_like_reference(DType::Q4_0); }
TEST(QuantFormats, Q4_KDequantizesLikeReference) { expect_dequantizes_like_reference(DType::Q4_K); }
TEST(QuantFormats, Q6_KDequantizesLikeReference) { expect_dequantizes_like_reference(DType::Q6_K); }

void expect_quantizes_like_ggml_reference(DType dtype) {
  testing::Golden golden("quant_blocks");
  const Tensor input = golden.get("quant_input");
  const std::vector<uint8_t> expected = bytes_of(golden.get(std::string(dtype_name(dtype)) + "_quantized"));
  std::vector<uint8_t> actual(dtype_bytes(dtype, input.numel()));
  quantize_row(dtype, input.data<float>(), actual.data(), input.numel());
  ASSERT_EQ(actual.size(), expected.size());
  const int64_t block_bytes = dtype_info(dtype).block_bytes;
  int mismatches = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (actual[i] != expected[i] && ++mismatches <= 5)
      ADD_FAILURE() << dtype_name(dtype) << ": byte " << i % block_bytes << " of block " << i / block_bytes << " is "
                    << int(actual[i]) << ", ggml's reference rounding gives " << int(expected[i]);
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(QuantFormats, Q8_0QuantizesLikeGgmlReference) { expect_quantizes_like_ggml_reference(DType::Q8_0); }
TEST(QuantFormats, Q4_0QuantizesLikeGgmlReference) { expect_quantizes_like_ggml_reference(DType::Q4_0); }

TEST(QuantFormats, TensorToGoesThroughTheBlockFormats) {
  testing::Golden golden("quant_blocks");
  const Tensor values = golden.get("q8_0_values");
  // A [2, 96] tensor: rows are whole blocks, as GGUF requires.
  const Tensor x = values.view({2, values.numel() / 2});
  const Tensor q = x.to(DType::Q8_0);
  EXPECT_EQ(q.dtype(), DType::Q8_0);
  EXPECT_EQ(q.shape(), x.shape());
  EXPECT_EQ(q.nbytes(), dtype_bytes(DType::Q8_0, x.numel()));
  const Tensor back = q.to(DType::F32);
  double amax = 0;
  for (double v : x.to_doubles()) amax = std::max(amax, std::abs(v));
  testing::expect_close(back, x, 0.6 * amax / 127, 0, "q8_0 round trip through Tensor::to");
  // Dequantizing straight to another storage type converts through f32.
  testing::expect_close(q.to(DType::BF16).to(DType::F32), back, 0, 1.0 / 128, "q8_0 -> bf16");
}

TEST(QuantFormats, RefusesWhatItCannotDo) {
  std::vector<float> x(64, 1.0f);
  std::vector<uint8_t> out(1024);
  try {
    quantize_row(DType::NF4, x.data(), out.data(), 64);
    ADD_FAILURE() << "nf4 should be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not implemented yet"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dequantize_row(DType::NF4, out.data(), x.data(), 64), Error);
  try {
    quantize_row(DType::Q8_0, x.data(), out.data(), 40);
    ADD_FAILURE() << "a partial block should be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("multiple of the block size 32"), std::string::npos) << e.what();
  }
  x[5] = std::nanf("");
  try {
    quantize_row(DType::Q4_0, x.data(), out.data(), 64);
    ADD_FAILURE() << "NaN input should be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("element 5"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dequantize_row(DType::F32, out.data(), x.data(), 64), Error);
}

}  // namespace
}  // namespace hone
