// LoRA dropout as PEFT places it: on the adapter branch's input only (the base path always sees
// the undropped x), in training only, with a mask that is a pure function of (seed, adapter,
// micro-step, all read from the forward pass's context, which the decoder hands to every projection
// and to a checkpointed layer's recomputation). DoRA with dropout follows PEFT's training formula
//   y = x W^T + b + (g - 1) * (x~ W^T) + g * s * (x~ A^T) B^T,   g = m / ||W + s B A||_row.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/autograd/ops_dropout.h"
#include "hone/model/hf_model.h"
#include "hone/peft/lora/layer.h"
#include "hone/peft/lora/model.h"
#include "support/golden.h"

namespace hone {
namespace {

using Matrix = std::vector<std::vector<double>>;

Matrix to_matrix(const Tensor& t) {
  const auto v = t.to_doubles();
  Matrix m(size_t(t.dim(0)), std::vector<double>(size_t(t.dim(1))));
  for (size_t i = 0; i < m.size(); ++i)
    for (size_t j = 0; j < m[i].size(); ++j) m[i][j] = v[i * m[i].size() + j];
  return m;
}

// a b^T
Matrix mul_t(const Matrix& a, const Matrix& b) {
  Matrix c(a.size(), std::vector<double>(b.size(), 0.0));
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < b.size(); ++j)
      for (size_t k = 0; k < b[j].size(); ++k) c[i][j] += a[i][k] * b[j][k];
  return c;
}

Matrix transpose(const Matrix& a) {
  Matrix t(a[0].size(), std::vector<double>(a.size()));
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[i].size(); ++j) t[j][i] = a[i][j];
  return t;
}

Tensor random(const Shape& shape, uint64_t stream, double scale) {
  Tensor t = Tensor::empty(shape);
  const Rng rng(42, stream);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = float(scale * rng.normal(uint64_t(i)));
  return t;
}

Tensor from_matrix(const Matrix& m) {
  std::vector<double> flat;
  for (const auto& row : m) flat.insert(flat.end(), row.begin(), row.end());
  return Tensor::from_doubles({int64_t(m.size()), int64_t(m[0].size())}, flat).to(DType::F32);
}

struct Fixture {
  static constexpr int64_t kIn = 6, kOut = 5, kRank = 2, kTokens = 4;
  static constexpr uint64_t kStream = 5, kSeed = 9;
  static constexpr double kScaling = 1.5, kP = 0.25;
  LinearModule base;
  ForwardContext ctx;  // what the forward pass hands the adapter
  std::shared_ptr<LoraAdapter> adapter;
  Tensor x = random({kTokens, kIn}, 1, 1.0);

  explicit Fixture(bool dora) {
    base.name = "model.layers.0.mlp.up_proj";
    base.weight = random({kOut, kIn}, 2, 0.5);
    base.bias = random({kOut}, 3, 0.5);
    ctx.seed = kSeed;
    adapter = std::make_shared<LoraAdapter>(base, kRank, kScaling, kP, dora, "default", 1, kStream);
    adapter->lora_B().copy_from(random({kOut, kRank}, 4, 0.5));
    if (dora) {
      // m away from the row norms so g != 1.
      Tensor m = adapter->magnitude().clone();
      for (int64_t i = 0; i < kOut; ++i) m.data<float>()[i] *= float(1.0 + 0.1 * double(i + 1));
      adapter->magnitude().copy_from(m);
    }
    base.adapters.push_back(adapter);
  }

  // x~ = x * mask / (1 - p) with the mask the adapter must draw at this micro-step.
  Matrix dropped_x() const {
    NoGradGuard no_grad;
    return to_matrix(dropout(x, kP, Rng(kSeed, kStream), (ctx.micro_step + 1) << 40));
  }
};

TEST(LoraDropout, AppliesToTheAdapterBranchOnlyAndOnlyInTraining) {
  Fixture f(/*dora=*/false);
  NoGradGuard no_grad;
  const Matrix base_out = mul_t(to_matrix(f.x), to_matrix(f.base.weight));
  const auto bias = f.base.bias.to_doubles();
  auto expected_with = [&](const Matrix& branch_input) {
    const Matrix lora = mul_t(mul_t(branch_input, to_matrix(f.adapter->lora_A())), to_matrix(f.adapter->lora_B()));
    Matrix y = base_out;
    for (size_t t = 0; t < y.size(); ++t)
      for (size_t o = 0; o < y[t].size(); ++o) y[t][o] += bias[o] + Fixture::kScaling * lora[t][o];
    return from_matrix(y);
  };
  // Evaluation: no dropout at all.
  testing::expect_close(f.base.forward(f.x, f.ctx), expected_with(to_matrix(f.x)), 1e-5, 1e-5, "eval output");

  f.ctx.training = true;
  f.ctx.micro_step = 2;
  const Matrix dropped = f.dropped_x();
  int zeros = 0;
  for (const auto& row : dropped)
    for (double v : row) zeros += v == 0.0;
  ASSERT_GT(zeros, 0);  // the mask really drops something at p = 0.25 over 24 elements
  const Tensor y = f.base.forward(f.x, f.ctx);
  testing::expect_close(y, expected_with(dropped), 1e-5, 1e-5, "training output (base path undropped)");
  // The same micro-step gives the same mask (a recomputed checkpoint block); the next one another.
  EXPECT_EQ(f.base.forward(f.x, f.ctx).to_doubles(), y.to_doubles());
  f.ctx.micro_step = 3;
  EXPECT_NE(f.base.forward(f.x, f.ctx).to_doubles(), y.to_doubles());
}

TEST(LoraDropout, DoraInTrainingUsesPeftsDroppedInputFormula) {
  Fixture f(/*dora=*/true);
  f.ctx.training = true;
  f.ctx.micro_step = 0;
  NoGradGuard no_grad;
  const Matrix x = to_matrix(f.x), xd = f.dropped_x();
  const Matrix w = to_matrix(f.base.weight), a = to_matrix(f.adapter->lora_A()), b = to_matrix(f.adapter->lora_B());
  const auto bias = f.base.bias.to_doubles();
  const auto m = f.adapter->magnitude().to_doubles();
  // g = m / ||W + s B A||_row
  const Matrix ba = mul_t(b, transpose(a));
  std::vector<double> g(size_t(Fixture::kOut));
  for (size_t o = 0; o < g.size(); ++o) {
    double s = 0;
    for (size_t i = 0; i < w[o].size(); ++i) s += std::pow(w[o][i] + Fixture::kScaling * ba[o][i], 2);
    g[o] = m[o] / std::sqrt(s);
  }
  const Matrix base_out = mul_t(x, w), dropped_base = mul_t(xd, w), lora = mul_t(mul_t(xd, a), b);
  Matrix y = base_out;
  for (size_t t = 0; t < y.size(); ++t)
    for (size_t o = 0; o < y[t].size(); ++o)
      y[t][o] += bias[o] + (g[o] - 1) * dropped_base[t][o] + g[o] * Fixture::kScaling * lora[t][o];
  testing::expect_close(f.base.forward(f.x, f.ctx), from_matrix(y), 1e-5, 1e-5, "DoRA training output");
}

// Through the decoder: the context in ForwardOptions reaches every adapter, masks depend on it
// alone, and a checkpointed layer's recomputation draws the masks of its first forward pass.
struct LoraLoss {
  double loss = 0;
  std::vector<std::vector<double>> grads;  // of every trainable tensor, in order
};

LoraLoss lora_loss(const ForwardOptions& options) {
  auto model = load_hf_model(std::string(HONE_TEST_DATA_DIR) + "/models/llama_gqa");
  LoraConfig config;
  config.r = 4;
  config.dropout = 0.3;
  config.target_modules = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  LoraModel lora = LoraModel::attach(*model, config, /*seed=*/3);
  // Non-zero B, so dropout on the adapter branch changes the loss too.
  uint64_t stream = 100;
  for (const auto& [module, adapter] : lora.adapters())
    adapter->lora_B().copy_from(random(adapter->lora_B().shape(), stream++, 0.2));
  const Tensor ids = Tensor::from_ints({2, 6}, std::vector<int32_t>{3, 7, 11, 40, 80, 2, 1, 9, 27, 63, 64, 5});
  const Tensor loss = model->loss(ids, ids, options);
  backward(loss);
  LoraLoss out{loss.to_doubles()[0], {}};
  for (const Tensor& t : lora.trainable_parameters()) out.grads.push_back(t.grad().to_doubles());
  return out;
}

TEST(LoraDropout, TheDecoderHandsItsContextToEveryAdapterAndToRecomputation) {
  ForwardOptions eval;
  ForwardOptions train;
  train.context = ForwardContext{/*training=*/true, /*seed=*/3, /*step=*/1, /*micro_step=*/2};
  const LoraLoss plain = lora_loss(eval), dropped = lora_loss(train);
  EXPECT_NE(dropped.loss, plain.loss);
  EXPECT_EQ(lora_loss(train).loss, dropped.loss);  // the same context, the same masks
  ForwardOptions next = train;
  next.context.micro_step = 3;
  EXPECT_NE(lora_loss(next).loss, dropped.loss);
  ForwardOptions checkpointed = train;
  checkpointed.checkpoint_layers = true;
  const LoraLoss recomputed = lora_loss(checkpointed);
  EXPECT_EQ(recomputed.loss, dropped.loss);
  ASSERT_EQ(recomputed.grads.size(), dropped.grads.size());
  for (size_t i = 0; i < dropped.grads.size(); ++i) {
    ASSERT_EQ(recomputed.grads[i].size(), dropped.grads[i].size());
    for (size_t j = 0; j < dropped.grads[i].size(); ++j)
      ASSERT_NEAR(recomputed.grads[i][j], dropped.grads[i][j], 1e-6) << "tensor " << i << " element " << j;
  }
}

}  // namespace
}  // namespace hone
