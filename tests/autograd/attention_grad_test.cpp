// Finite-difference checks (f64) for attention with every option, plus forward checks against
// a direct per-element implementation and the equivalences packing and KV caches rely on.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/autograd/ops_attention.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::expect_gradients_match;
using testing::random_f64;

Tensor leaf(const Shape& s, uint64_t seed) { return random_f64(s, seed, -1.5, 1.5).set_requires_grad(true); }
Tensor ints(const Shape& shape, std::vector<int32_t> values) { return Tensor::from_ints(shape, values); }

// Direct attention with explicit loops, in double: the definition the kernel must agree with.
// keep(b, i, j) says whether query i of row b may see key j (after causality and segments).
template <class Keep>
std::vector<double> naive_attention(const Tensor& q, const Tensor& k, const Tensor& v, Keep keep, const Tensor& bias = {}) {
  const int64_t B = q.dim(0), T = q.dim(1), Hq = q.dim(2), Dh = q.dim(3), S = k.dim(1), Hkv = k.dim(2);
  const auto Q = q.to_doubles(), K = k.to_doubles(), V = v.to_doubles();
  const auto bias_values = bias.defined() ? bias.to_doubles() : std::vector<double>();
  std::vector<double> out(size_t(B * T * Hq * Dh), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h) {
      const int64_t kvh = h / (Hq / Hkv);
      for (int64_t i = 0; i < T; ++i) {
        std::vector<double> s(size_t(S), -std::numeric_limits<double>::infinity());
        double max = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < S; ++j) {
          if (!keep(b, i, j)) continue;
          double dot = 0;
          for (int64_t e = 0; e < Dh; ++e) dot += Q[size_t(((b * T + i) * Hq + h) * Dh + e)] * K[size_t(((b * S + j) * Hkv + kvh) * Dh + e)];
          s[size_t(j)] = dot / std::sqrt(double(Dh));
          if (bias.defined()) s[size_t(j)] += bias_values[size_t(bias.rank() == 3 ? (b * T + i) * S + j : i * S + j)];
          max = std::max(max, s[size_t(j)]);
        }
        if (max == -std::numeric_limits<double>::infinity()) continue;
        double sum = 0;
        for (double& x : s) sum += (x = std::exp(x - max));
        for (int64_t j = 0; j < S; ++j)
          for (int64_t e = 0; e < Dh; ++e)
            out[size_t(((b * T + i) * Hq + h) * Dh + e)] += s[size_t(j)] / sum * V[size_t(((b * S + j) * Hkv + kvh) * Dh + e)];
      }
    }
  return out;
}

void expect_values_near(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], tol) << "element " << i;
}

// GQA ratios 1, 2 and 3.
class AttentionGrad : public ::testing::TestWithParam<int> {};

TEST_P(AttentionGrad, CausalSelfAttention) {
  const int64_t group = GetParam(), Hkv = 2, Hq = Hkv * group;
  expect_gradients_match([](auto& in) { return attention(in[0], in[1], in[2]); },
                         {leaf({2, 4, Hq, 4}, 1), leaf({2, 4, Hkv, 4}, 2), leaf({2, 4, Hkv, 4}, 3)});
}

TEST_P(AttentionGrad, CausalWithKvCacheOffset) {  // T < S: queries are the last T positions
  const int64_t group = GetParam(), Hkv = 1, Hq = Hkv * group;
  expect_gradients_match([](auto& in) { return attention(in[0], in[1], in[2]); },
                         {leaf({2, 2, Hq, 4}, 4), leaf({2, 5, Hkv, 4}, 5), leaf({2, 5, Hkv, 4}, 6)});
}

TEST_P(AttentionGrad, NonCausalWithCustomScale) {
  const int64_t group = GetParam(), Hq = group;
  AttentionOptions o;
  o.causal = false;
  o.scale = 0.7;
  expect_gradients_match([o](auto& in) { return attention(in[0], in[1], in[2], o); },
                         {leaf({1, 3, Hq, 4}, 7), leaf({1, 5, 1, 4}, 8), leaf({1, 5, 1, 4}, 9)});
}

TEST_P(AttentionGrad, PackedSegmentsWithCausality) {
  const int64_t group = GetParam(), Hq = 2 * group;
  AttentionOptions o;
  o.segment_ids = ints({2, 6}, {0, 0, 0, 1, 1, 2, 0, 1, 1, 1, 1, 1});
  expect_gradients_match([o](auto& in) { return attention(in[0], in[1], in[2], o); },
                         {leaf({2, 6, Hq, 4}, 10), leaf({2, 6, 2, 4}, 11), leaf({2, 6, 2, 4}, 12)});
}

TEST_P(AttentionGrad, ExplicitBooleanAndAdditiveMasks) {
  const int64_t group = GetParam(), Hq = group;
  AttentionOptions keep;
  keep.causal = false;
  keep.mask = ints({2, 3, 4}, {1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1});
  expect_gradients_match([keep](auto& in) { return attention(in[0], in[1], in[2], keep); },
                         {leaf({2, 3, Hq, 4}, 13), leaf({2, 4, 1, 4}, 14), leaf({2, 4, 1, 4}, 15)});
  AttentionOptions additive;  // shared [T, S] bias on top of causality
  additive.mask = random_f64({3, 4}, 16, -2, 2);
  expect_gradients_match([additive](auto& in) { return attention(in[0], in[1], in[2], additive); },
                         {leaf({2, 3, Hq, 4}, 17), leaf({2, 4, 1, 4}, 18), leaf({2, 4, 1, 4}, 19)});
}

TEST_P(AttentionGrad, SlidingWindowWithKvCacheOffset) {  // keys leave the window as queries move on
  const int64_t group = GetParam(), Hq = 2 * group;
  AttentionOptions o;
  o.window = 2;
  expect_gradients_match([o](auto& in) { return attention(in[0], in[1], in[2], o); },
                         {leaf({2, 3, Hq, 4}, 26), leaf({2, 6, 2, 4}, 27), leaf({2, 6, 2, 4}, 28)});
}

INSTANTIATE_TEST_SUITE_P(GqaRatios, AttentionGrad, ::testing::Values(1, 2, 3));

// Key j is visible from the query at absolute position p iff j <= p and p - j < window, over
// query chunks (100 rows > one chunk of 64), with a KV-cache offset and with packed segments.
TEST(Attention, SlidingWindowMatchesDirectDefinition) {
  for (const int64_t window : {1, 3, 16}) {
    const Tensor q = random_f64({2, 5, 4, 4}, 90), k = random_f64({2, 7, 2, 4}, 91), v = random_f64({2, 7, 2, 4}, 92);
    AttentionOptions o;
    o.window = window;
    expect_values_near(attention(q, k, v, o).to_doubles(),
                       naive_attention(q, k, v, [&](int64_t, int64_t i, int64_t j) {
                         const int64_t p = 2 + i;
                         return j <= p && p - j < window;
                       }), 1e-12);
    const Tensor lq = random_f64({1, 100, 2, 8}, 93), lk = random_f64({1, 100, 1, 8}, 94), lv = random_f64({1, 100, 1, 8}, 95);
    o.segment_ids = Tensor::from_ints({1, 100}, std::vector<int32_t>(100, 0));
    for (int32_t t = 60; t < 100; ++t) o.segment_ids.data<int32_t>()[t] = 1;
    const int32_t* seg = o.segment_ids.data<int32_t>();
    expect_values_near(attention(lq, lk, lv, o).to_doubles(),
                       naive_attention(lq, lk, lv, [&](int64_t, int64_t i, int64_t j) {
                         return j <= i && i - j < window && seg[i] == seg[j];
                       }), 1e-12);
  }
  AttentionOptions bad;
  bad.window = -1;
  EXPECT_THROW(attention(random_f64({1, 2, 1, 4}, 1), random_f64({1, 2, 1, 4}, 2), random_f64({1, 2, 1, 4}, 3), bad),
               Error);
}

TEST(AttentionGradPartial, OnlySomeInputsTrainable) {
  expect_gradients_match([](auto& in) { return attention(in[0], in[1], in[2]); },
                         {random_f64({1, 3, 2, 4}, 20), leaf({1, 3, 1, 4}, 21), random_f64({1, 3, 1, 4}, 22)});
  expect_gradients_match([](auto& in) { return attention(in[0], in[1], in[2]); },
                         {leaf({1, 3, 2, 4}, 23), random_f64({1, 3, 1, 4}, 24), random_f64({1, 3, 1, 4}, 25)});
}

TEST(Attention, MatchesDirectDefinitionForEveryMaskKind) {
  const Tensor q = random_f64({2, 3, 4, 4}, 30), k = random_f64({2, 5, 2, 4}, 31), v = random_f64({2, 5, 2, 4}, 32);
  const Tensor seg = ints({2, 5}, {0, 0, 1, 1, 1, 0, 1, 1, 2, 2});
  const Tensor keep = ints({3, 5}, {1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1});
  const Tensor bias = random_f64({2, 3, 5}, 33);
  const auto seg_of = seg.to_doubles();
  const auto keep_of = keep.to_doubles();
  auto causal = [](int64_t, int64_t i, int64_t j) { return j <= 5 - 3 + i; };
  AttentionOptions o;
  expect_values_near(attention(q, k, v, o).to_doubles(), naive_attention(q, k, v, causal), 1e-12);
  o.segment_ids = seg;
  expect_values_near(attention(q, k, v, o).to_doubles(),
                     naive_attention(q, k, v, [&](int64_t b, int64_t i, int64_t j) {
                       return causal(b, i, j) && seg_of[size_t(b * 5 + j)] == seg_of[size_t(b * 5 + 2 + i)];
                     }), 1e-12);
  o = AttentionOptions{};
  o.causal = false;
  o.mask = keep;
  expect_values_near(attention(q, k, v, o).to_doubles(),
                     naive_attention(q, k, v, [&](int64_t, int64_t i, int64_t j) { return keep_of[size_t(i * 5 + j)] != 0; }),
                     1e-12);
  o.mask = bias;
  expect_values_near(attention(q, k, v, o).to_doubles(),
                     naive_attention(q, k, v, [](int64_t, int64_t, int64_t) { return true; }, bias), 1e-12);
  // f32 runs the same kernels in single precision.
  o.mask = bias.to(DType::F32);
  expect_values_near(attention(q.to(DType::F32), k.to(DType::F32), v.to(DType::F32), o).to_doubles(),
                     naive_attention(q, k, v, [](int64_t, int64_t, int64_t) { return true; }, bias), 1e-5);
}

TEST(Attention, PackedBatchEqualsSeparateSequences) {
  // Two examples packed in one row give the same outputs and gradients as each run alone.
  const Tensor q = random_f64({1, 5, 2, 4}, 40), k = random_f64({1, 5, 1, 4}, 41), v = random_f64({1, 5, 1, 4}, 42);
  AttentionOptions packed;
  packed.segment_ids = ints({1, 5}, {0, 0, 0, 1, 1});
  const auto together = attention(q, k, v, packed).to_doubles();
  const auto first = attention(q.view({5, 2, 4}).slice(0, 3).view({1, 3, 2, 4}), k.view({5, 1, 4}).slice(0, 3).view({1, 3, 1, 4}),
                               v.view({5, 1, 4}).slice(0, 3).view({1, 3, 1, 4}))
                         .to_doubles();
  const auto second = attention(q.view({5, 2, 4}).slice(3, 5).view({1, 2, 2, 4}), k.view({5, 1, 4}).slice(3, 5).view({1, 2, 1, 4}),
                                v.view({5, 1, 4}).slice(3, 5).view({1, 2, 1, 4}))
                          .to_doubles();
  std::vector<double> separate = first;
  separate.insert(separate.end(), second.begin(), second.end());
  expect_values_near(together, separate, 1e-12);
}

TEST(Attention, DecodingWithCacheMatchesLastRowsOfFullAttention) {
  const Tensor q = random_f64({2, 6, 4, 4}, 50), k = random_f64({2, 6, 2, 4}, 51), v = random_f64({2, 6, 2, 4}, 52);
  const auto full = attention(q, k, v).to_doubles();
  // The last two queries alone, against the whole cache.
  std::vector<double> tail_q;
  const auto qs = q.to_doubles();
  for (int64_t b = 0; b < 2; ++b)
    tail_q.insert(tail_q.end(), qs.begin() + (b * 6 + 4) * 16, qs.begin() + (b * 6 + 6) * 16);
  const auto tail = attention(Tensor::from_doubles({2, 2, 4, 4}, tail_q), k, v).to_doubles();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < 32; ++i) EXPECT_NEAR(tail[size_t(b * 32 + i)], full[size_t((b * 6 + 4) * 16 + i)], 1e-12);
}

TEST(Attention, FullyMaskedRowGivesZerosAndZeroGradients) {
  AttentionOptions o;
  o.causal = false;
  o.mask = ints({2, 3}, {0, 0, 0, 1, 0, 1});
  Tensor q = leaf({1, 2, 1, 4}, 60), k = leaf({1, 3, 1, 4}, 61), v = leaf({1, 3, 1, 4}, 62);
  const auto out = attention(q, k, v, o).to_doubles();
  for (int e = 0; e < 4; ++e) EXPECT_EQ(out[size_t(e)], 0.0);
  for (double x : out) EXPECT_TRUE(std::isfinite(x));
  expect_gradients_match([o](auto& in) { return attention(in[0], in[1], in[2], o); }, {q, k, v});
}

// Long sequences: several query chunks (a partial last one), causal key ranges that grow per
// chunk, and B * H blocks large enough to run in parallel (single-threaded BLAS each). Too big
// for element-wise finite differences, so the gradient is checked along one random direction
// per input: d/de L(x + e u) = <grad x, u> for L = sum(out * R).
class AttentionLong : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, bool>> {};

TEST_P(AttentionLong, ChunkedParallelPathMatchesDefinitionAndGradients) {
  const auto [T, S, packed] = GetParam();
  const Shape qs{2, T, 6, 16}, kvs{2, S, 3, 16};
  std::vector<Tensor> in{leaf(qs, 70), leaf(kvs, 71), leaf(kvs, 72)};
  AttentionOptions o;
  std::vector<int32_t> seg(size_t(2 * S));
  for (int64_t j = 0; j < 2 * S; ++j) seg[size_t(j)] = int32_t((j % S) * 3 / S + j / S);  // 3 segments per row
  if (packed) o.segment_ids = ints({2, S}, seg);
  auto keep = [&](int64_t b, int64_t i, int64_t j) {
    const int64_t pos = S - T + i;
    return j <= pos && (!packed || seg[size_t(b * S + j)] == seg[size_t(b * S + pos)]);
  };
  expect_values_near(attention(in[0], in[1], in[2], o).to_doubles(), naive_attention(in[0], in[1], in[2], keep), 1e-12);
  const Tensor R = random_f64(qs, 73);
  backward(attention(in[0], in[1], in[2], o), R);
  auto loss = [&](const std::vector<Tensor>& x) {
    const auto out = attention(x[0], x[1], x[2], o).to_doubles(), r = R.to_doubles();
    double s = 0;
    for (size_t i = 0; i < out.size(); ++i) s += out[i] * r[i];
    return s;
  };
  NoGradGuard no_grad;
  for (size_t which = 0; which < 3; ++which) {
    const Tensor u = random_f64(in[which].shape(), 80 + which);
    const auto us = u.to_doubles(), g = in[which].grad().to_doubles(), x0 = in[which].to_doubles();
    double analytic = 0;
    for (size_t i = 0; i < us.size(); ++i) analytic += g[i] * us[i];
    const double eps = 1e-5;
    auto shifted = [&](double e) {
      std::vector<double> x(x0);
      for (size_t i = 0; i < x.size(); ++i) x[i] += e * us[i];
      std::vector<Tensor> moved = in;
      moved[which] = Tensor::from_doubles(in[which].shape(), x);
      return loss(moved);
    };
    const double numeric = (shifted(eps) - shifted(-eps)) / (2 * eps);
    EXPECT_NEAR(analytic, numeric, 1e-6 * std::max(1.0, std::abs(numeric))) << "input " << which;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionLong,
                         ::testing::Values(std::tuple<int64_t, int64_t, bool>{100, 100, false},
                                           std::tuple<int64_t, int64_t, bool>{70, 150, false},
                                           std::tuple<int64_t, int64_t, bool>{130, 130, true}));

TEST(Attention, BadArgumentsAreClearErrors) {
  const Tensor q = Tensor::zeros({1, 2, 3, 4}), kv = Tensor::zeros({1, 2, 2, 4});
  try {
    attention(q, kv, kv);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a multiple"), std::string::npos) << e.what();
  }
  const Tensor q2 = Tensor::zeros({1, 3, 2, 4});
  EXPECT_THROW(attention(q2, kv, kv), Error);  // causal with T > S
  AttentionOptions o;
  o.segment_ids = ints({1, 3}, {0, 0, 1});
  EXPECT_THROW(attention(Tensor::zeros({1, 2, 2, 4}), kv, kv, o), Error);
  o = AttentionOptions{};
  o.mask = Tensor::zeros({2, 3});
  EXPECT_THROW(attention(Tensor::zeros({1, 2, 2, 4}), kv, kv, o), Error);
  EXPECT_THROW(attention(Tensor::zeros({1, 2, 2, 4}), kv, Tensor::zeros({1, 2, 2, 3})), Error);
  EXPECT_THROW(attention(Tensor::zeros({1, 2, 2, 4}), kv, kv.to(DType::F64)), Error);
}

}  // namespace
}  // namespace hone
