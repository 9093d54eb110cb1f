// hone's fused ops against PyTorch (float64 on the same f32 inputs): swiglu and lora_linear,
// tests/golden/fused_ops.safetensors from tests/reference/golden_ops_fused.py. Each case runs
// the op on the stored inputs, backpropagates the stored R (the gradient of sum(out * R)) and
// compares the output and every float input's gradient (issue 11, item 15).
#include <gtest/gtest.h>

#include "hone/autograd/ops_lora_linear.h"
#include "hone/autograd/ops_swiglu.h"
#include "support/golden_op_case.h"

namespace hone {
namespace {

using Inputs = testing::GoldenInputs;
using testing::Tolerance;

// One exp, a division and two products per element.
constexpr Tolerance kSwiglu{1e-6, 1e-6};
// Products over <= 12 terms, plus a rank <= 4 branch accumulated into them.
constexpr Tolerance kLora{2e-6, 2e-6};
constexpr Tolerance kLoraGrad{5e-6, 5e-6};

TEST(GoldenFused, Swiglu) {
  for (const char* name : {"swiglu_2d", "swiglu_3d"})
    testing::check_golden_case("fused_ops", name, {"gate", "up"},
                               [](const Inputs& in) { return swiglu(in.at("gate"), in.at("up")); }, kSwiglu, kSwiglu);
}

TEST(GoldenFused, LoraLinear) {
  testing::check_golden_case(
      "fused_ops", "lora_linear", {"x", "w", "a", "b"},
      [](const Inputs& in) { return lora_linear(in.at("x"), in.at("w"), Tensor(), in.at("x"), in.at("a"), in.at("b"), 2.0); },
      kLora, kLoraGrad);
  testing::check_golden_case(
      "fused_ops", "lora_linear_bias_3d", {"x", "w", "bias", "a", "b"},
      [](const Inputs& in) {
        return lora_linear(in.at("x"), in.at("w"), in.at("bias"), in.at("x"), in.at("a"), in.at("b"), 0.5);
      },
      kLora, kLoraGrad);
  testing::check_golden_case(
      "fused_ops", "lora_linear_dropout_input", {"x", "w", "x_lora", "a", "b"},
      [](const Inputs& in) {
        return lora_linear(in.at("x"), in.at("w"), Tensor(), in.at("x_lora"), in.at("a"), in.at("b"), 4.0);
      },
      kLora, kLoraGrad);
}

}  // namespace
}  // namespace hone
