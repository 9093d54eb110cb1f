// In f32 the softmax, cross-entropy, attention and SiLU kernels run the vectorised exp and row
// reductions of tensor/vector_math.h; in f64 they run the scalar loops that the finite-difference
// tests check. Here each op runs both ways on the same inputs, and the f32 outputs and gradients
// must match the f64 ones to float accuracy: row lengths straddle every vector width and tail,
// attention covers every mask kind, a KV-cache offset and several query chunks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "hone/autograd/backward.h"
#include "hone/autograd/ops_attention.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/autograd/ops_loss.h"
#include "hone/autograd/ops_softmax.h"
#include "hone/autograd/ops_swiglu.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::random_f64;
using Op = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs op on the f64 inputs and on their f32 copies, backpropagates the same random upstream
// gradient through both, and compares outputs and every input gradient, relative to the
// largest magnitude of each f64 result.
void expect_f32_matches_f64(const Op& op, const std::vector<Tensor>& inputs, double rtol, const std::string& what) {
  std::vector<Tensor> in64, in32;
  for (const Tensor& x : inputs) {
    in64.push_back(x.clone().set_requires_grad(true));
    in32.push_back(x.to(DType::F32).set_requires_grad(true));
  }
  const Tensor out64 = op(in64), out32 = op(in32);
  ASSERT_EQ(out32.dtype(), DType::F32) << what;
  const Tensor upstream = random_f64(out64.shape(), 99);
  backward(out64, upstream);
  backward(out32, upstream.to(DType::F32));
  auto compare = [&](const Tensor& got, const Tensor& want, const std::string& name) {
    const auto a = got.to_doubles(), b = want.to_doubles();
    ASSERT_EQ(a.size(), b.size()) << what << " " << name;
    double scale = 0;
    for (double v : b) scale = std::max(scale, std::abs(v));
    for (size_t i = 0; i < a.size(); ++i)
      ASSERT_NEAR(a[i], b[i], rtol * scale + 1e-30) << what << " " << name << " element " << i;
  };
  compare(out32, out64, "output");
  for (size_t i = 0; i < inputs.size(); ++i) compare(in32[i].grad(), in64[i].grad(), "gradient " + std::to_string(i));
}

const std::vector<int64_t> kRowLengths{1, 7, 16, 17, 33, 100, 1000};

TEST(F32VectorPaths, SoftmaxAndLogSoftmax) {
  for (int64_t cols : kRowLengths) {
    const Tensor x = random_f64({5, cols}, uint64_t(cols), -12, 12);
    expect_f32_matches_f64([](auto& in) { return softmax(in[0]); }, {x}, 2e-6, "softmax " + std::to_string(cols));
    expect_f32_matches_f64([](auto& in) { return log_softmax(in[0]); }, {x}, 2e-6,
                           "log_softmax " + std::to_string(cols));
  }
}

TEST(F32VectorPaths, CrossEntropyWithIgnoredRows) {
  for (int64_t V : kRowLengths) {
    std::vector<int32_t> labels(12);
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = i % 5 == 3 ? -100 : int32_t((i * 7) % size_t(V));
    const Tensor l = Tensor::from_ints({12}, labels);
    const Tensor x = random_f64({12, V}, uint64_t(V) + 1, -10, 10);
    expect_f32_matches_f64([l](auto& in) { return cross_entropy(in[0], l); }, {x}, 2e-6,
                           "cross_entropy V " + std::to_string(V));
  }
}

TEST(F32VectorPaths, LinearCrossEntropyFusedGradients) {
  for (int64_t V : {17, 301, 1000}) {
    std::vector<int32_t> labels(30);
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = i % 7 == 2 ? -100 : int32_t((i * 11) % size_t(V));
    const Tensor l = Tensor::from_ints({30}, labels);
    CrossEntropyOptions o;
    o.chunk_tokens = 8;
    o.reduction = LossReduction::Sum;
    expect_f32_matches_f64([l, o](auto& in) { return linear_cross_entropy(in[0], in[1], l, o); },
                           {random_f64({30, 24}, 5, -2, 2), random_f64({V, 24}, 6, -1, 1)}, 1e-5,
                           "linear_cross_entropy V " + std::to_string(V));
  }
}

TEST(F32VectorPaths, ElementwiseActivations) {
  for (int64_t n : {int64_t(5), int64_t(513), int64_t(40000)}) {
    const Tensor x = random_f64({n}, uint64_t(n), -20, 20), y = random_f64({n}, uint64_t(n) + 1);
    expect_f32_matches_f64([](auto& in) { return silu(in[0]); }, {x}, 1e-6, "silu " + std::to_string(n));
    expect_f32_matches_f64([](auto& in) { return swiglu(in[0], in[1]); }, {x, y}, 1e-6, "swiglu " + std::to_string(n));
    expect_f32_matches_f64([](auto& in) { return exp(in[0]); }, {scale(x, 0.25)}, 1e-6, "exp " + std::to_string(n));
  }
}

struct AttentionCase {
  std::string name;
  int64_t T, S, Hq, Hkv, Dh;
  std::function<AttentionOptions(int64_t T, int64_t S)> options;
};

TEST(F32VectorPaths, AttentionEveryMaskKind) {
  auto segments = [](int64_t S) {
    std::vector<int32_t> seg(size_t(2 * S));
    for (int64_t j = 0; j < 2 * S; ++j) seg[size_t(j)] = int32_t((j % S) * 3 / S);
    return Tensor::from_ints({2, S}, seg);
  };
  auto keep = [](int64_t T, int64_t S) {
    std::vector<int32_t> k(size_t(T * S));
    for (size_t i = 0; i < k.size(); ++i) k[i] = (i * 7) % 5 != 0;
    return Tensor::from_ints({T, S}, k);
  };
  const std::vector<AttentionCase> cases{
      {"causal, two query chunks", 70, 70, 4, 2, 16, [](int64_t, int64_t) { return AttentionOptions{}; }},
      {"causal with a KV-cache offset", 5, 70, 4, 2, 16, [](int64_t, int64_t) { return AttentionOptions{}; }},
      {"causal, packed segments", 37, 37, 2, 1, 8,
       [&](int64_t, int64_t S) {
         AttentionOptions o;
         o.segment_ids = segments(S);
         return o;
       }},
      {"non-causal", 9, 33, 2, 2, 8,
       [](int64_t, int64_t) {
         AttentionOptions o;
         o.causal = false;
         return o;
       }},
      {"boolean mask", 9, 33, 2, 1, 8,
       [&](int64_t T, int64_t S) {
         AttentionOptions o;
         o.causal = false;
         o.mask = keep(T, S);
         return o;
       }},
      {"additive mask with causality", 19, 19, 2, 1, 8,
       [](int64_t T, int64_t S) {
         AttentionOptions o;
         o.mask = random_f64({T, S}, 7, -2, 2);
         return o;
       }},
  };
  for (const AttentionCase& c : cases) {
    const AttentionOptions o = c.options(c.T, c.S);
    expect_f32_matches_f64([o](auto& in) { return attention(in[0], in[1], in[2], o); },
                           {random_f64({2, c.T, c.Hq, c.Dh}, 1, -1.5, 1.5), random_f64({2, c.S, c.Hkv, c.Dh}, 2, -1.5, 1.5),
                            random_f64({2, c.S, c.Hkv, c.Dh}, 3)},
                           1e-5, "attention " + c.name);
  }
}

}  // namespace
}  // namespace hone
