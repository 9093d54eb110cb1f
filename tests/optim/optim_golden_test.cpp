// AdamW / SGD trajectories with warmup schedules and global-norm clipping against PyTorch
// (tests/reference/golden_optim.py), plus state save/restore and option errors.
#include <gtest/gtest.h>

#include <functional>

#include "hone/optim/adamw.h"
#include "hone/optim/clip.h"
#include "hone/optim/optimizer_registry.h"
#include "hone/optim/sgd.h"
#include "hone/optim/schedule.h"
#include "support/golden.h"

namespace hone {
namespace {

using testing::expect_close;
using testing::Golden;

// Builds an optimizer through the registry over the given groups.
using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<ParamGroup>)>;

struct Case {
  const char* golden;
  MakeOptimizer make;
  const char* schedule;
  double peak_lr;
  double max_norm;
};

class OptimizerTrajectory : public ::testing::TestWithParam<Case> {};

std::vector<ParamGroup> make_groups(const Golden& g, Tensor& w, Tensor& b) {
  w = g.get("init.w").clone().set_requires_grad(true).set_name("w");
  b = g.get("init.b").clone().set_requires_grad(true).set_name("b");
  return {ParamGroup{"decay", {w}, 0.1, 1.0}, ParamGroup{"no_decay", {b}, 0.0, 1.0}};
}

TEST_P(OptimizerTrajectory, MatchesPyTorchStepByStep) {
  const Case& c = GetParam();
  Golden g(c.golden);
  Tensor w, b;
  auto opt = c.make(make_groups(g, w, b));
  LrSchedule sched{c.schedule, c.peak_lr, 3, 10, 0.0};
  sched.validate();
  const auto lrs = g.get("lr").to_doubles();
  const auto norms = g.get("grad_norm").to_doubles();
  for (int step = 0; step < 10; ++step) {
    w.impl().grad = g.get("grad." + std::to_string(step) + ".w").clone().impl_ptr();
    b.impl().grad = g.get("grad." + std::to_string(step) + ".b").clone().impl_ptr();
    const double norm = clip_grad_norm({w, b}, c.max_norm);
    EXPECT_NEAR(norm, norms[size_t(step)], 1e-5 * norms[size_t(step)]) << "step " << step;
    const double lr = sched.lr_at(step);
    EXPECT_NEAR(lr, lrs[size_t(step)], 1e-7 * lr) << "step " << step;  // the golden is read back as f32
    opt->step(lr);
    // f32 arithmetic in the same order as PyTorch: agreement to a few ulps, compounded over steps.
    expect_close(w, g.get("param." + std::to_string(step) + ".w"), 1e-6, 1e-5, c.golden + std::string(" w step ") + std::to_string(step));
    expect_close(b, g.get("param." + std::to_string(step) + ".b"), 1e-6, 1e-5, c.golden + std::string(" b step ") + std::to_string(step));
  }
}

MakeOptimizer adamw(double b1, double b2, double eps) {
  return [=](std::vector<ParamGroup> groups) { return make_optimizer("adamw", AdamWOptions{b1, b2, eps}, std::move(groups)); };
}
MakeOptimizer sgd(double momentum, double dampening, bool nesterov) {
  return [=](std::vector<ParamGroup> groups) {
    return make_optimizer("sgd", SgdOptions{momentum, dampening, nesterov}, std::move(groups));
  };
}

INSTANTIATE_TEST_SUITE_P(
    Golden, OptimizerTrajectory,
    ::testing::Values(Case{"optim_adamw_cosine", adamw(0.9, 0.999, 1e-8), "cosine", 1e-2, 1.0},
                      Case{"optim_adamw_linear", adamw(0.8, 0.95, 1e-6), "linear", 3e-2, 100.0},
                      Case{"optim_sgd_momentum", sgd(0.9, 0.1, false), "constant", 5e-2, 2.0},
                      Case{"optim_sgd_nesterov", sgd(0.9, 0.0, true), "cosine", 5e-2, 1.0}),
    [](const auto& info) { return std::string(info.param.golden).substr(6); });

TEST(OptimizerState, SaveAndRestoreContinuesIdentically) {
  Golden g("optim_adamw_cosine");
  Tensor w1, b1, w2, b2;
  auto a = adamw(0.9, 0.999, 1e-8)(make_groups(g, w1, b1));
  auto set_grads = [&](Tensor& w, Tensor& b, int step) {
    w.impl().grad = g.get("grad." + std::to_string(step) + ".w").clone().impl_ptr();
    b.impl().grad = g.get("grad." + std::to_string(step) + ".b").clone().impl_ptr();
  };
  for (int s = 0; s < 4; ++s) {
    set_grads(w1, b1, s);
    a->step(1e-2);
  }
  const OptimizerState saved = a->state();
  auto b = adamw(0.9, 0.999, 1e-8)(make_groups(g, w2, b2));
  w2.copy_from(w1);
  b2.copy_from(b1);
  b->load_state(saved);
  EXPECT_EQ(b->steps_taken(), 4);
  for (int s = 4; s < 8; ++s) {
    set_grads(w1, b1, s);
    set_grads(w2, b2, s);
    a->step(1e-2);
    b->step(1e-2);
  }
  EXPECT_EQ(w1.to_doubles(), w2.to_doubles());
  EXPECT_EQ(b1.to_doubles(), b2.to_doubles());
  // State for the wrong optimizer is refused.
  auto s = sgd(0.9, 0, false)(make_groups(g, w2, b2));
  EXPECT_THROW(s->load_state(saved), Error);
}

TEST(OptimizerOptions, BadValuesAreClearErrors) {
  Golden g("optim_adamw_cosine");
  Tensor w, b;
  EXPECT_THROW(make_optimizer("adagrad", nullptr, make_groups(g, w, b)), Error);
  EXPECT_THROW(adamw(1.0, 0.999, 1e-8)(make_groups(g, w, b)), Error);
  EXPECT_THROW(sgd(0.0, 0.0, true)(make_groups(g, w, b)), Error);
  Tensor unnamed = Tensor::zeros({2}).set_requires_grad(true);
  EXPECT_THROW(adamw(0.9, 0.99, 1e-8)({ParamGroup{"g", {unnamed}}}), Error);
  LrSchedule s{"exponential", 1e-3, 0, 10};
  EXPECT_THROW(s.validate(), Error);
}

TEST(Schedule, WarmupThenDecayShapes) {
  LrSchedule lin{"linear", 1.0, 2, 10};
  EXPECT_DOUBLE_EQ(lin.lr_at(0), 0.0);
  EXPECT_DOUBLE_EQ(lin.lr_at(1), 0.5);
  EXPECT_DOUBLE_EQ(lin.lr_at(2), 1.0);
  EXPECT_DOUBLE_EQ(lin.lr_at(6), 0.5);
  EXPECT_DOUBLE_EQ(lin.lr_at(10), 0.0);
  LrSchedule cos{"cosine", 1.0, 0, 10, 0.1};
  EXPECT_DOUBLE_EQ(cos.lr_at(0), 1.0);
  EXPECT_NEAR(cos.lr_at(5), 0.55, 1e-12);
  EXPECT_NEAR(cos.lr_at(10), 0.1, 1e-12);
}

TEST(Clip, MeasuresWithoutClippingWhenMaxNormIsZero) {
  Tensor p = Tensor::zeros({2}).set_requires_grad(true).set_name("p");
  p.impl().grad = Tensor::from_floats({2}, std::vector<float>{3, 4}).impl_ptr();
  EXPECT_NEAR(clip_grad_norm({p}, 0.0), 5.0, 1e-12);
  EXPECT_EQ(p.grad().to_doubles(), (std::vector<double>{3, 4}));
  EXPECT_NEAR(clip_grad_norm({p}, 1.0), 5.0, 1e-12);
  EXPECT_NEAR(p.grad().to_doubles()[1], 0.8, 1e-6);
}

}  // namespace
}  // namespace hone
