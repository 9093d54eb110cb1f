// Finite-difference checks (f64) for embedding, and the scatter-add's determinism with
// repeated ids and several threads.
#include <gtest/gtest.h>

#include "hone/autograd/backward.h"
#include "hone/autograd/ops_embedding.h"
#include "hone/autograd/ops_reduce.h"
#include "hone/util/rng.h"
#include "hone/util/threads.h"
#include "support/gradcheck.h"

namespace hone {
namespace {

using testing::expect_gradients_match;
using testing::random_f64;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(EmbeddingGrad, RepeatedIdsAccumulate) {
  Tensor w = random_f64({5, 3}, 1).set_requires_grad(true);
  Tensor ids = Tensor::from_ints({2, 4}, std::vector<int32_t>{0, 4, 4, 2, 1, 4, 0, 0});
  expect_gradients_match([ids](auto& in) { return embedding(in[0], ids); }, {w});
}

TEST(Embedding, ShapesAndValues) {
  Tensor w = Tensor::from_floats({3, 2}, std::vector<float>{0, 1, 10, 11, 20, 21});
  Tensor ids3 = Tensor::from_ints({2, 1, 2}, std::vector<int32_t>{2, 0, 1, 1});
  Tensor out = embedding(w, ids3);
  EXPECT_EQ(out.shape(), Shape({2, 1, 2, 2}));
  EXPECT_EQ(out.to_doubles(), (std::vector<double>{20, 21, 0, 1, 10, 11, 10, 11}));
  // A frozen bf16 table is gathered into f32 (these values are exact in bf16).
  Tensor out16 = embedding(w.to(DType::BF16), ids3);
  EXPECT_EQ(out16.dtype(), DType::F32);
  EXPECT_EQ(out16.to_doubles(), out.to_doubles());
}

TEST(Embedding, ScatterAddIsExactAndThreadIndependent) {
  // Many positions, few ids: every weight row receives dozens of contributions.
  const int64_t V = 16, D = 64, n = 2048;
  std::vector<int32_t> id_values(n);
  Rng rng(3, 0);
  for (int64_t i = 0; i < n; ++i) id_values[size_t(i)] = int32_t(rng.uniform(uint64_t(i)) * V) % int32_t(V);
  Tensor ids = Tensor::from_ints({n}, id_values);
  Tensor g = testing::random_f32({n, D}, 4);
  auto run = [&](int nthreads) {
    set_threads(nthreads);
    Tensor w = Tensor::zeros({V, D}).set_requires_grad(true);
    backward(embedding(w, ids), g);
    return w.grad().to_doubles();
  };
  const int before = threads();
  const auto one = run(1);
  const auto four = run(4);
  set_threads(before);
  EXPECT_EQ(one, four);  // bit-identical
  // Against a plain double-precision loop.
  std::vector<double> expected(size_t(V * D), 0.0);
  const auto gv = g.to_doubles();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < D; ++j) expected[size_t(id_values[size_t(i)] * D + j)] += gv[size_t(i * D + j)];
  for (size_t k = 0; k < expected.size(); ++k) EXPECT_NEAR(one[k], expected[k], 1e-4) << "element " << k;
}

TEST(Embedding, QuantizedTableIsDequantizedRowByRow) {
  // GGUF files often store token_embd in q8_0: each gathered row must equal the dequantized row.
  Tensor w = testing::random_f32({5, 64}, 6);
  Tensor q = w.to(DType::Q8_0);
  Tensor ids = Tensor::from_ints({3}, std::vector<int32_t>{4, 0, 4});
  Tensor got = embedding(q, ids);
  Tensor want = embedding(q.to(DType::F32), ids);
  EXPECT_EQ(got.dtype(), DType::F32);
  EXPECT_EQ(got.to_doubles(), want.to_doubles());
  // A row that is not a whole number of blocks is refused.
  Tensor ragged = Tensor::empty({4, 48}, DType::Q8_0);  // 192 elements: 6 blocks, but 1.5 per row
  EXPECT_NE(error_of([&] { embedding(ragged, Tensor::from_ints({1}, std::vector<int32_t>{0})); }).find("blocks"),
            std::string::npos);
}

TEST(Embedding, FrozenWeightGetsNoGradient) {
  Tensor w = random_f64({4, 2}, 5);
  Tensor out = embedding(w, Tensor::from_ints({2}, std::vector<int32_t>{1, 3}));
  EXPECT_FALSE(out.requires_grad());
}

TEST(Embedding, BadIdsAreClearErrors) {
  Tensor w = Tensor::zeros({7, 2});
  const std::string msg = error_of([&] { embedding(w, Tensor::from_ints({3}, std::vector<int32_t>{1, 7, 2})); });
  EXPECT_NE(msg.find("token id 7"), std::string::npos) << msg;
  EXPECT_NE(msg.find("position 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("vocabulary of 7"), std::string::npos) << msg;
  EXPECT_NE(error_of([&] { embedding(w, Tensor::from_ints({1}, std::vector<int32_t>{-1})); }).find("token id -1"),
            std::string::npos);
  EXPECT_THROW(embedding(w, Tensor::zeros({2})), Error);            // f32 ids
  EXPECT_THROW(embedding(Tensor::zeros({7}), Tensor::from_ints({1}, std::vector<int32_t>{0})), Error);  // 1-D weight
  EXPECT_THROW(embedding(w, Tensor::zeros({1, 1, 1, 1}, DType::I32)), Error);  // 4-D ids
}

}  // namespace
}  // namespace hone
