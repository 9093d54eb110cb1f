// The optimizer registry: optimizers by name with their declared recipe sections, and the
// per-group option bag — a group's own options (torch.optim-style per-group betas, momentum)
// reach the optimizer exactly, and an option the optimizer does not read is an error.
#include <gtest/gtest.h>

#include "hone/optim/adamw.h"
#include "hone/optim/optimizer_registry.h"
#include "hone/optim/sgd.h"
#include "hone/util/rng.h"
#include "support/error_text.h"

namespace hone {
namespace {

using testing::error_text;

Tensor param(const std::string& name, int64_t n, uint64_t seed) {
  Tensor t = Tensor::empty({n});
  const Rng rng(seed, 1);
  for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = rng.normal(uint64_t(i));
  return t.set_requires_grad(true).set_name(name);
}

void set_grad(Tensor& p, uint64_t seed) {
  Tensor g = Tensor::empty(p.shape());
  const Rng rng(seed, 2);
  for (int64_t i = 0; i < g.numel(); ++i) g.data<float>()[i] = rng.normal(uint64_t(i));
  p.impl().grad = g.impl_ptr();
}

TEST(OptimizerRegistry, ListsEachOptimizerOnceWithItsSection) {
  EXPECT_EQ(optimizer_names(), "adamw, sgd");
  EXPECT_EQ(optimizer_entry("adamw").options, &adamw_section());
  EXPECT_EQ(optimizer_entry("sgd").options, &sgd_section());
  std::vector<std::string> adamw_keys;
  for (const OptionKey& k : adamw_section().keys()) adamw_keys.push_back(k.key);
  EXPECT_EQ(adamw_keys, (std::vector<std::string>{"adam_beta1", "adam_beta2", "adam_epsilon"}));
  EXPECT_EQ(sgd_section().keys().size(), 1u);
  EXPECT_EQ(sgd_section().keys()[0].key, "momentum");
  EXPECT_EQ(error_text([] { optimizer_entry("adagrad"); }), "unknown optimizer 'adagrad' (optimizers: adamw, sgd)");
  // Options are checked by the section before the optimizer is built.
  Tensor w = param("w", 4, 1);
  EXPECT_EQ(error_text([&] { make_optimizer("adamw", AdamWOptions{0.9, 1.5, 1e-8}, {ParamGroup{"all", {w}}}); }),
            "adam_beta2 must be in [0, 1), got 1.5");
  EXPECT_EQ(error_text([&] { make_optimizer("sgd", SgdOptions{-1, 0, false}, {ParamGroup{"all", {w}}}); }),
            "momentum must be >= 0, got -1");
  // nullptr: the section's defaults.
  EXPECT_NO_THROW(make_optimizer("adamw", nullptr, {ParamGroup{"all", {w}}}));
}

// Two groups, the second with its own options, step for step against two optimizers that each
// hold one group with those options as their own: the same bits.
template <class Options>
void expect_group_options_apply(const std::string& name, const Options& base, const Options& override_options,
                                const nlohmann::json& group_options) {
  Tensor a1 = param("a", 64, 3), b1 = param("b", 48, 4);
  Tensor a2 = a1.clone().set_requires_grad(true).set_name("a"), b2 = b1.clone().set_requires_grad(true).set_name("b");
  ParamGroup own{"own", {b1}, 0.01, 2.0};
  own.options = group_options;
  auto together = make_optimizer(name, base, {ParamGroup{"plain", {a1}, 0.01, 1.0}, own});
  auto plain = make_optimizer(name, base, {ParamGroup{"plain", {a2}, 0.01, 1.0}});
  auto separate = make_optimizer(name, override_options, {ParamGroup{"own", {b2}, 0.01, 2.0}});
  for (uint64_t step = 0; step < 5; ++step) {
    for (Tensor* p : {&a1, &a2}) set_grad(*p, 10 + step);
    for (Tensor* p : {&b1, &b2}) set_grad(*p, 20 + step);
    together->step(1e-2);
    plain->step(1e-2);
    separate->step(1e-2);
  }
  EXPECT_EQ(a1.to_doubles(), a2.to_doubles()) << name;
  EXPECT_EQ(b1.to_doubles(), b2.to_doubles()) << name;
  // And the override mattered: with the base options b would have moved differently.
  Tensor b3 = param("b", 48, 4);
  auto base_only = make_optimizer(name, base, {ParamGroup{"own", {b3}, 0.01, 2.0}});
  for (uint64_t step = 0; step < 5; ++step) {
    set_grad(b3, 20 + step);
    base_only->step(1e-2);
  }
  EXPECT_NE(b1.to_doubles(), b3.to_doubles()) << name;
}

TEST(OptimizerRegistry, PerGroupOptionsReachTheOptimizer) {
  expect_group_options_apply("adamw", AdamWOptions{}, AdamWOptions{0.8, 0.99, 1e-6},
                             {{"beta1", 0.8}, {"beta2", 0.99}, {"eps", 1e-6}});
  expect_group_options_apply("sgd", SgdOptions{0.9, 0.0, false}, SgdOptions{0.5, 0.1, false},
                             {{"momentum", 0.5}, {"dampening", 0.1}});
}

TEST(OptimizerRegistry, AGroupOptionTheOptimizerDoesNotReadIsAnError) {
  Tensor w = param("w", 4, 1);
  ParamGroup g{"lora_B", {w}};
  g.options = {{"galore.rank", 8}};
  EXPECT_EQ(error_text([&] { make_optimizer("adamw", nullptr, {g}); }),
            "adamw: parameter group 'lora_B' has option 'galore.rank', which adamw does not read (it reads beta1, "
            "beta2, eps)");
  g.options = {{"beta2", "high"}};
  EXPECT_EQ(error_text([&] { make_optimizer("adamw", nullptr, {g}); }),
            "parameter group 'lora_B': option 'beta2' must be a number, got \"high\"");
  g.options = {{"beta2", 1.0}};
  EXPECT_EQ(error_text([&] { make_optimizer("adamw", nullptr, {g}); }),
            "adamw: betas must be in [0, 1), got 0.9, 1 (parameter group 'lora_B')");
}

}  // namespace
}  // namespace hone
