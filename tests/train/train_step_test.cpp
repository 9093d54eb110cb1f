// The training-step seam: a forward-only gradient source (SPSA, as MeZO estimates gradients)
// plugs into TrainStep and the Trainer without touching their loop, and its estimate agrees with
// backpropagation's directional derivative; step hooks see every step and epoch boundary in
// order, also across a resume; a trainable selection that leaves a tensor out keeps it bit for
// bit while the others train; each micro-batch's forward pass gets the context the caller gives it
// (training, seed, micro-step) with the step's number.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "hone/autograd/backward.h"
#include "hone/autograd/grad_mode.h"
#include "hone/model/block_hooks.h"
#include "hone/model/hf_model.h"
#include "hone/optim/sgd.h"
#include "hone/train/interrupt.h"
#include "hone/train/train_step.h"
#include "hone/train/trainer.h"
#include "hone/util/rng.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

const std::string kModel = std::string(HONE_TEST_DATA_DIR) + "/models/llama_gqa";

// SPSA: the loss at theta + eps z and theta - eps z, for a random +-1 direction z, gives the
// directional derivative (L+ - L-) / 2 eps; the gradient estimate is that times z. Forward
// passes only: no graph is recorded.
class SpsaGradients final : public GradientSource {
 public:
  explicit SpsaGradients(double eps) : eps_(eps) {}
  std::string name() const override { return "spsa"; }

  GradientResult compute(StepLoss& loss, const std::vector<Tensor>& trainable) override {
    NoGradGuard no_grad;
    ++calls;
    const std::vector<Tensor> z = directions(trainable, loss.step());
    std::vector<Tensor> saved;
    for (const Tensor& p : trainable) saved.push_back(p.clone());
    perturb(trainable, z, eps_);
    const double plus = mean_loss(loss);
    perturb(trainable, z, -2 * eps_);
    const double minus = mean_loss(loss);
    for (size_t i = 0; i < trainable.size(); ++i)  // restore exactly, not by adding eps back
      std::memcpy(trainable[i].data<float>(), saved[i].data<float>(), size_t(trainable[i].numel()) * sizeof(float));
    projected = (plus - minus) / (2 * eps_);
    for (size_t i = 0; i < trainable.size(); ++i) {
      Tensor g = z[i].clone();
      float* d = g.data<float>();
      for (int64_t j = 0; j < g.numel(); ++j) d[j] *= float(projected);
      backward(trainable[i], g);  // a leaf: accumulates g into its .grad
    }
    GradientResult r;
    r.loss_sum = 0.5 * (plus + minus) * double(loss.scored_tokens());
    return r;
  }

  // The +-1 direction of each tensor at `step` (seeded by the step, so a resumed run draws the same).
  static std::vector<Tensor> directions(const std::vector<Tensor>& trainable, int64_t step) {
    std::vector<Tensor> z;
    for (size_t i = 0; i < trainable.size(); ++i) {
      const Rng rng(1234, uint64_t(step) * 1000 + i);
      Tensor t = Tensor::empty(trainable[i].shape());
      for (int64_t j = 0; j < t.numel(); ++j) t.data<float>()[j] = rng.bits(uint64_t(j)) & 1 ? 1.0f : -1.0f;
      z.push_back(t);
    }
    return z;
  }

  int64_t calls = 0;
  double projected = 0;

 private:
  double mean_loss(StepLoss& loss) {
    double sum = 0;
    for (int64_t i = 0; i < loss.micro_batches(); ++i) {
      const Tensor l = loss.summed_loss(i);
      if (!l.defined()) continue;
      EXPECT_FALSE(l.requires_grad()) << "a forward-only source records no graph";
      sum += l.item();
    }
    return sum / double(loss.scored_tokens());
  }
  static void perturb(const std::vector<Tensor>& trainable, const std::vector<Tensor>& z, double by) {
    for (size_t i = 0; i < trainable.size(); ++i) {
      float* w = trainable[i].data<float>();
      const float* d = z[i].data<float>();
      for (int64_t j = 0; j < trainable[i].numel(); ++j) w[j] += float(by) * d[j];
    }
  }

  double eps_;
};

// Wraps a source and keeps a copy of the gradients it leaves (the step drops them after the update).
class RecordingGradients final : public GradientSource {
 public:
  explicit RecordingGradients(std::shared_ptr<GradientSource> inner) : inner_(std::move(inner)) {}
  std::string name() const override { return "recording " + inner_->name(); }
  GradientResult compute(StepLoss& loss, const std::vector<Tensor>& trainable) override {
    const GradientResult r = inner_->compute(loss, trainable);
    grads.clear();
    for (const Tensor& p : trainable) grads.push_back(p.grad().defined() ? p.grad().clone() : Tensor());
    return r;
  }
  std::vector<Tensor> grads;

 private:
  std::shared_ptr<GradientSource> inner_;
};

std::vector<Tensor> all_parameters(DecoderModel& model) {
  std::vector<Tensor> out;
  for (auto& [name, t] : model.named_parameters()) out.push_back(t->set_requires_grad(true));
  return out;
}

std::vector<Tensor> clones(const std::vector<Tensor>& ts) {
  std::vector<Tensor> out;
  for (const Tensor& t : ts) out.push_back(t.clone());
  return out;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() && std::memcmp(a.data<float>(), b.data<float>(), size_t(a.numel()) * sizeof(float)) == 0;
}

Batch token_batch() {
  const std::vector<int32_t> ids = {1, 17, 42, 5, 88, 23, 9, 61, 30, 4, 77, 12};
  Batch b;
  b.ids = Tensor::empty({1, int64_t(ids.size())}, DType::I32);
  std::memcpy(b.ids.data<int32_t>(), ids.data(), ids.size() * sizeof(int32_t));
  b.labels = b.ids;
  b.scored_tokens = int64_t(ids.size()) - 1;
  b.real_tokens = int64_t(ids.size());
  b.examples = 1;
  return b;
}

TEST(TrainStep, ForwardOnlySourceEstimatesTheDirectionalDerivativeAndDrivesTheUpdate) {
  auto model = load_hf_model(kModel);
  const std::vector<Tensor> params = all_parameters(*model);
  auto optimizer = make_optimizer("sgd", SgdOptions{}, {ParamGroup{"all", params, 0.0, 1.0}});
  const std::vector<Batch> micro{token_batch(), token_batch()};

  // Backpropagation's gradient, with lr 0 so the parameters stay where they are.
  TrainStep backprop_step(*model, *optimizer, params, {});
  auto recorded = std::make_shared<RecordingGradients>(std::make_shared<BackpropGradients>());
  backprop_step.plugins().set_gradients(recorded, "test");
  const StepResult exact = backprop_step.run(1, 0.0, micro);
  ASSERT_EQ(recorded->grads.size(), params.size());

  // The forward-only source through the same seam, now updating with SGD.
  const std::vector<Tensor> before = clones(params);
  TrainStep spsa_step(*model, *optimizer, params, {});
  auto spsa = std::make_shared<SpsaGradients>(3e-4);
  spsa_step.plugins().set_gradients(spsa, "test");
  const float lr = 0.05f;
  const StepResult estimated = spsa_step.run(2, lr, micro);
  ASSERT_EQ(spsa->calls, 1);
  // The mean of L+ and L- is L plus eps^2/2 z'Hz: close to the loss at the step's parameters.
  EXPECT_NEAR(estimated.loss, exact.loss, 1e-3);
  EXPECT_EQ(estimated.scored_tokens, 22);
  EXPECT_EQ(estimated.backward_s, 0.0);

  const std::vector<Tensor> z = SpsaGradients::directions(params, 2);
  double directional = 0;
  for (size_t i = 0; i < params.size(); ++i)
    for (int64_t j = 0; j < params[i].numel(); ++j)
      directional += double(recorded->grads[i].data<float>()[j]) * double(z[i].data<float>()[j]);
  EXPECT_GT(std::abs(directional), 1e-2);  // a real signal, not two zeros agreeing
  // Central differences at eps 3e-4: about 0.05% off here (curvature and f32 rounding).
  EXPECT_NEAR(spsa->projected, directional, 1e-2 * std::abs(directional));

  // SGD moved every weight by exactly -lr * projected * z: the source's gradient, nothing else.
  const float g = float(spsa->projected);
  for (size_t i = 0; i < params.size(); ++i) {
    const float* w = params[i].data<float>();
    for (int64_t j = 0; j < params[i].numel(); ++j) {
      const float expected = before[i].data<float>()[j] + -lr * (g * z[i].data<float>()[j]);
      ASSERT_EQ(w[j], expected) << params[i].name() << "[" << j << "]";
    }
    EXPECT_FALSE(params[i].grad().defined()) << "gradients are dropped after the update";
  }
}

// A recipe on the tiny test model and its three-example token data (one example per micro-batch).
TrainRecipe tiny_recipe(const std::string& tag, int64_t max_steps, int64_t grad_accum) {
  TrainRecipe r;
  r.model = kModel;
  r.data = std::string(HONE_TEST_DATA_DIR) + "/train/full_ft.jsonl";
  r.format = "tokens";
  r.method = "lora";
  r.lora.r = 4;
  r.lora.alpha = 8;
  r.lora.target_modules = {"all-linear"};
  r.seq_len = 16;
  r.batch_size = 1;
  r.grad_accum = grad_accum;
  r.max_steps = max_steps;
  r.lr = 1e-2;
  r.weight_decay = 0.1;
  r.seed = 3;
  r.save_every = 1;
  r.out = (fs::temp_directory_path() / ("hone_train_step_" + tag + "_" + std::to_string(::getpid()))).string();
  r.overwrite = true;
  return r;
}

TEST(TrainStep, TrainerRunsAPluggedInSourceWithoutChangingItsLoop) {
  TrainRecipe recipe = tiny_recipe("spsa", 3, 2);
  recipe.optimizer = "sgd";
  recipe.max_grad_norm = 0;
  Trainer trainer(recipe);
  auto spsa = std::make_shared<SpsaGradients>(1e-3);
  trainer.step_plugins().set_gradients(spsa, "test");
  const TrainResult r = trainer.run();
  EXPECT_EQ(r.steps_done, 3);
  EXPECT_EQ(spsa->calls, 3);
  EXPECT_TRUE(std::isfinite(r.last_loss));
  EXPECT_TRUE(fs::exists(recipe.out + "/adapter/adapter_model.safetensors"));
  // A second source cannot silently replace the first.
  try {
    trainer.step_plugins().set_gradients(std::make_shared<BackpropGradients>(), "another plug-in");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("already has 'spsa'"), std::string::npos) << e.what();
  }
  fs::remove_all(recipe.out);
}

class BoundaryLog final : public StepHook {
 public:
  void on_epoch_begin(int64_t e) override { log.push_back("eb" + std::to_string(e)); }
  void on_step_begin(int64_t s) override { log.push_back("sb" + std::to_string(s)); }
  void on_gradients(int64_t s, const std::vector<Tensor>& trained) override {
    log.push_back("g" + std::to_string(s));
    for (const Tensor& t : trained) EXPECT_TRUE(t.grad().defined()) << t.name() << " at step " << s;
  }
  void on_step_end(int64_t s, double loss) override {
    log.push_back("se" + std::to_string(s));
    EXPECT_TRUE(std::isfinite(loss));
  }
  void on_epoch_end(int64_t e) override { log.push_back("ee" + std::to_string(e)); }
  std::vector<std::string> log;
};

std::vector<std::string> boundaries(const TrainRecipe& recipe, int64_t stop_after = -1) {
  auto hook = std::make_shared<BoundaryLog>();
  TrainerCallbacks cb;
  cb.on_step = [&](const StepMetrics& m) {
    if (m.step == stop_after) set_interrupt_requested(true);
  };
  Trainer trainer(recipe, cb);
  trainer.step_plugins().add_hook(hook);
  trainer.run();
  set_interrupt_requested(false);
  return hook->log;
}

using Log = std::vector<std::string>;

TEST(TrainStep, HooksSeeEveryStepAndEpochBoundaryInOrder) {
  // Three one-example micro-batches per epoch, two per step: epoch 0 runs out inside step 2.
  const TrainRecipe two = tiny_recipe("hooks", 4, 2);
  const Log straight = boundaries(two);
  EXPECT_EQ(straight, (Log{"eb0", "sb1", "g1", "se1", "sb2", "g2", "se2", "ee0", "eb1", "sb3", "g3", "se3", "ee1", "eb2", "sb4",
                       "g4", "se4"}));

  // Stopped after step 2 and resumed: the same boundaries, none lost or repeated.
  Log resumed = boundaries(two, /*stop_after=*/2);
  TrainRecipe again = two;
  again.overwrite = false;
  again.resume = true;
  const Log rest = boundaries(again);
  resumed.insert(resumed.end(), rest.begin(), rest.end());
  EXPECT_EQ(resumed, straight);

  // Seven micro-batches per step: one step runs through more than two epochs.
  const Log seven = boundaries(tiny_recipe("hooks7", 2, 7));
  EXPECT_EQ(seven, (Log{"eb0", "sb1", "g1", "se1", "ee0", "eb1", "ee1", "eb2", "sb2", "g2", "se2", "ee2", "eb3", "ee3"}));
  fs::remove_all(two.out);
  fs::remove_all(tiny_recipe("hooks7", 2, 7).out);
}

// Trains everything but one named tensor.
class AllBut final : public TrainableSelection {
 public:
  explicit AllBut(std::string name) : name_(std::move(name)) {}
  std::vector<Tensor> select(int64_t step, const std::vector<Tensor>& all) override {
    steps.push_back(step);
    std::vector<Tensor> out;
    for (const Tensor& t : all)
      if (t.name() != name_) out.push_back(t);
    return out;
  }
  std::vector<int64_t> steps;

 private:
  std::string name_;
};

// At each step's gradients: the frozen tensor has none, the trained ones all have theirs.
class GradientWatch final : public StepHook {
 public:
  explicit GradientWatch(Tensor frozen) : frozen_(std::move(frozen)) {}
  void on_gradients(int64_t step, const std::vector<Tensor>& trained) override {
    ++steps;
    EXPECT_FALSE(frozen_.grad().defined()) << "step " << step;
    EXPECT_FALSE(frozen_.requires_grad()) << "step " << step;
    for (const Tensor& t : trained) {
      EXPECT_FALSE(t.same_as(frozen_));
      EXPECT_TRUE(t.grad().defined()) << t.name() << " at step " << step;
    }
  }
  int steps = 0;

 private:
  Tensor frozen_;
};

TEST(TrainStep, ATensorTheSelectionLeavesOutStaysBitIdentical) {
  TrainRecipe recipe = tiny_recipe("frozen", 4, 2);  // AdamW with weight decay: any touch would show
  Trainer trainer(recipe);
  const std::vector<Tensor>& trainable = trainer.trainable();
  // LoRA's B starts at zero, so pick an A (random) to freeze, and watch another A and a B train.
  ASSERT_GE(trainable.size(), 4u);
  Tensor frozen, other_a, some_b;
  for (const Tensor& t : trainable) {
    const bool is_a = t.name().find("lora_A") != std::string::npos;
    if (is_a && !frozen.defined()) frozen = t;
    else if (is_a && !other_a.defined()) other_a = t;
    else if (!is_a && !some_b.defined()) some_b = t;
  }
  ASSERT_TRUE(frozen.defined() && other_a.defined() && some_b.defined());
  const Tensor frozen_before = frozen.clone(), a_before = other_a.clone(), b_before = some_b.clone();

  auto selection = std::make_shared<AllBut>(frozen.name());
  trainer.step_plugins().set_trainable(selection, "test");
  auto watch = std::make_shared<GradientWatch>(frozen);
  trainer.step_plugins().add_hook(watch);
  trainer.run();
  EXPECT_EQ(watch->steps, 4);
  EXPECT_EQ(selection->steps, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(same_bits(frozen, frozen_before)) << frozen.name() << " changed";
  EXPECT_FALSE(same_bits(other_a, a_before)) << other_a.name() << " did not train";
  EXPECT_FALSE(same_bits(some_b, b_before)) << some_b.name() << " did not train";
  EXPECT_TRUE(frozen.requires_grad()) << "frozen for each step only";
  fs::remove_all(recipe.out);
}

struct RecordsContexts : BlockHook {
  std::vector<ForwardContext> seen;
  Tensor embedding_output(const Tensor& h, const ForwardContext& ctx) override {
    seen.push_back(ctx);
    return h;
  }
};

TEST(TrainStep, EachMicroBatchRunsWithTheContextTheCallerGivesIt) {
  auto model = load_hf_model(kModel);
  auto hook = std::make_shared<RecordsContexts>();
  model->add_hook(hook);
  const std::vector<Tensor> params = all_parameters(*model);
  auto optimizer = make_optimizer("sgd", SgdOptions{}, {ParamGroup{"all", params, 0.0, 1.0}});
  TrainStepOptions options;
  options.checkpoint_layers = true;
  TrainStep step(*model, *optimizer, params, options, [](int64_t i) {
    return ForwardContext{/*training=*/true, /*seed=*/17, /*step=*/0, /*micro_step=*/40 + uint64_t(i)};
  });
  step.run(5, 0.0, {token_batch(), token_batch()});
  ASSERT_EQ(hook->seen.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(hook->seen[i].training);
    EXPECT_EQ(hook->seen[i].seed, 17u);
    EXPECT_EQ(hook->seen[i].step, 5u);
    EXPECT_EQ(hook->seen[i].micro_step, 40u + i);
  }
  // Without a callback: the default context (no dropout), with the step's number.
  TrainStep plain(*model, *optimizer, params, {});
  plain.run(6, 0.0, {token_batch()});
  ASSERT_EQ(hook->seen.size(), 3u);
  EXPECT_FALSE(hook->seen[2].training);
  EXPECT_EQ(hook->seen[2].step, 6u);
}

}  // namespace
}  // namespace hone
