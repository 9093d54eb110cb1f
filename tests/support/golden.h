// Golden tensors written by the PyTorch reference scripts in tests/reference/ into
// tests/golden/<name>.safetensors, and comparisons against them with a stated tolerance.
#pragma once

#include <string>

#include "hone/io/safetensors.h"

namespace hone::testing {

class Golden {
 public:
  explicit Golden(const std::string& name);  // opens tests/golden/<name>.safetensors
  // The tensor, converted to f32 (or kept I32 for integer data).
  Tensor get(const std::string& key) const;
  bool has(const std::string& key) const { return file_.contains(key); }

 private:
  SafetensorsFile file_;
};

// EXPECT that |actual - expected| <= atol + rtol * |expected| element-wise (reports the worst
// element and how many failed).
void expect_close(const Tensor& actual, const Tensor& expected, double atol, double rtol, const std::string& what);

}  // namespace hone::testing
