// hone's f32 forward and gradients against PyTorch (float64 on the same f32 inputs) for the
// basic ops: tests/golden/basic_<op>.safetensors from tests/reference/golden_ops_basic.py.
// Each case runs the op on the stored inputs, backpropagates the stored R (so the gradient is
// that of sum(out * R)) and compares the output and every float input's gradient.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "hone/autograd/backward.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/autograd/ops_embedding.h"
#include "hone/autograd/ops_linalg.h"
#include "hone/autograd/ops_loss.h"
#include "hone/autograd/ops_reduce.h"
#include "hone/autograd/ops_softmax.h"
#include "support/golden.h"
#include "support/golden_op_case.h"

namespace hone {
namespace {

using Inputs = testing::GoldenInputs;
using testing::Tolerance;

void check_case(const std::string& file, const std::string& case_name, const std::vector<std::string>& names,
                const testing::GoldenOp& op, Tolerance out_tol, Tolerance grad_tol) {
  testing::check_golden_case("basic_" + file, case_name, names, op, out_tol, grad_tol);
}

// Element-wise arithmetic on values of size ~1 is exact to a rounding or two in f32.
constexpr Tolerance kArithmetic{1e-6, 1e-6};
// exp/tanh from libm add an ulp or so each; the backward formulas combine a few of them.
constexpr Tolerance kTranscendental{2e-6, 4e-6};
// Short dot products and sums (K <= 24 terms) accumulate a few f32 roundings.
constexpr Tolerance kSmallSums{1e-5, 1e-5};

TEST(GoldenBasic, AddSubMulScaleWithBroadcast) {
  auto add_op = [](const Inputs& in) { return add(in.at("a"), in.at("b")); };
  for (const char* c : {"same", "bias", "trailing", "scalar"})
    // The broadcast gradient sums up to 6 terms of R.
    check_case("add", c, {"a", "b"}, add_op, kArithmetic, kSmallSums);
  auto sub_op = [](const Inputs& in) { return sub(in.at("a"), in.at("b")); };
  for (const char* c : {"same", "bias"}) check_case("sub", c, {"a", "b"}, sub_op, kArithmetic, kSmallSums);
  auto mul_op = [](const Inputs& in) { return mul(in.at("a"), in.at("b")); };
  for (const char* c : {"same", "bias", "scalar"}) check_case("mul", c, {"a", "b"}, mul_op, kArithmetic, kSmallSums);
  check_case("scale", "neg", {"a"}, [](const Inputs& in) { return scale(in.at("a"), -2.5); }, kArithmetic,
             kArithmetic);
}

TEST(GoldenBasic, ExpSiluGelu) {
  check_case("exp", "x", {"a"}, [](const Inputs& in) { return exp(in.at("a")); }, kTranscendental, kTranscendental);
  check_case("silu", "x", {"a"}, [](const Inputs& in) { return silu(in.at("a")); }, kTranscendental, kTranscendental);
  check_case("gelu_tanh", "x", {"a"}, [](const Inputs& in) { return gelu_tanh(in.at("a")); }, kTranscendental,
             kTranscendental);
}

TEST(GoldenBasic, MatmulAllTransposesBatchedAndShared) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const std::string tag = std::string(ta ? "t" : "n") + (tb ? "t" : "n");
      auto op = [ta, tb](const Inputs& in) { return matmul(in.at("a"), in.at("b"), ta, tb); };
      check_case("matmul", tag, {"a", "b"}, op, kSmallSums, kSmallSums);
      check_case("matmul", "batched_" + tag, {"a", "b"}, op, kSmallSums, kSmallSums);
    }
  }
  check_case("matmul", "shared_nn", {"a", "b"}, [](const Inputs& in) { return matmul(in.at("a"), in.at("b")); },
             kSmallSums, kSmallSums);
  check_case("matmul", "shared_nt", {"a", "b"},
             [](const Inputs& in) { return matmul(in.at("a"), in.at("b"), false, true); }, kSmallSums, kSmallSums);
}

TEST(GoldenBasic, LinearWithAndWithoutBias) {
  check_case("linear", "bias", {"input", "weight", "bias"},
             [](const Inputs& in) { return linear(in.at("input"), in.at("weight"), in.at("bias")); }, kSmallSums,
             kSmallSums);
  check_case("linear", "nobias", {"input", "weight"},
             [](const Inputs& in) { return linear(in.at("input"), in.at("weight")); }, kSmallSums, kSmallSums);
}

TEST(GoldenBasic, Reductions) {
  // A sum of 24 values of size ~1 carries ~24 roundings; its gradient is R itself (exact).
  check_case("sum", "all", {"a"}, [](const Inputs& in) { return sum(in.at("a")); }, kSmallSums, kArithmetic);
  check_case("sum", "last", {"a"}, [](const Inputs& in) { return sum_last_dim(in.at("a")); }, kSmallSums,
             kArithmetic);
  check_case("sum", "last_keepdim", {"a"}, [](const Inputs& in) { return sum_last_dim(in.at("a"), true); },
             kSmallSums, kArithmetic);
  check_case("mean", "all", {"a"}, [](const Inputs& in) { return mean(in.at("a")); }, kSmallSums, kArithmetic);
  check_case("mean", "last", {"a"}, [](const Inputs& in) { return mean_last_dim(in.at("a")); }, kSmallSums,
             kArithmetic);
  // max picks an element: exact values, and the gradient is R routed to the argmax.
  check_case("max", "last", {"a"}, [](const Inputs& in) { return max_last_dim(in.at("a")); }, {0, 0}, {0, 0});
}

TEST(GoldenBasic, SoftmaxAndLogSoftmax) {
  // exp and the row normalisation add a few ulp; "large" rows (logits near +-500) check the
  // max subtraction: without it f32 exp overflows to inf and the comparison fails.
  for (const char* c : {"x", "large"}) {
    check_case("softmax", c, {"a"}, [](const Inputs& in) { return softmax(in.at("a")); }, kTranscendental,
               kTranscendental);
    // log-probabilities near -500 carry f32's absolute spacing there (~3e-5).
    check_case("log_softmax", c, {"a"}, [](const Inputs& in) { return log_softmax(in.at("a")); }, {1e-4, 1e-6},
               kSmallSums);
  }
}

TEST(GoldenBasic, EmbeddingWithRepeatedIds) {
  auto op = [](const Inputs& in) { return embedding(in.at("weight"), in.at("ids")); };
  // The gather copies exactly; the scatter-add sums up to three terms of R per row.
  check_case("embedding", "repeated", {"weight", "ids"}, op, {0, 0}, kArithmetic);
  check_case("embedding", "rank3", {"weight", "ids"}, op, {0, 0}, kArithmetic);
}

TEST(GoldenBasic, CrossEntropyMeanAndSumWithIgnoredTokens) {
  CrossEntropyOptions sum_opts;
  sum_opts.reduction = LossReduction::Sum;
  // log-sum-exp over 9 classes and a mean over 9 tokens: a handful of f32 roundings.
  check_case("cross_entropy", "mean", {"logits", "labels"},
             [](const Inputs& in) { return cross_entropy(in.at("logits"), in.at("labels")); }, kSmallSums,
             kSmallSums);
  check_case("cross_entropy", "sum", {"logits", "labels"},
             [sum_opts](const Inputs& in) { return cross_entropy(in.at("logits"), in.at("labels"), sum_opts); },
             {1e-4, 1e-5}, kSmallSums);
}

TEST(GoldenBasic, LinearCrossEntropyMatchesCrossEntropyOfLinear) {
  // PyTorch has no fused op: the reference is cross_entropy(linear(hidden, weight)). A chunk of
  // 3 tokens makes hone go through several chunks.
  CrossEntropyOptions mean_opts, sum_opts;
  mean_opts.chunk_tokens = sum_opts.chunk_tokens = 3;
  sum_opts.reduction = LossReduction::Sum;
  for (const auto& [c, opts] : {std::pair{"mean", mean_opts}, std::pair{"sum", sum_opts}}) {
    const CrossEntropyOptions o = opts;
    check_case("linear_cross_entropy", c, {"hidden", "weight", "labels"},
               [o](const Inputs& in) { return linear_cross_entropy(in.at("hidden"), in.at("weight"), in.at("labels"), o); },
               {1e-4, 1e-5}, kSmallSums);
  }
}

}  // namespace
}  // namespace hone
