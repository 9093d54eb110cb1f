#include "hone/train/train_step.h"

#include <unordered_map>
#include <unordered_set>

#include "hone/optim/clip.h"
#include "hone/train/optimizer_shards.h"
#include "hone/util/timer.h"

namespace hone {

namespace {

// The step's batch as a gradient source sees it.
class BatchLoss final : public StepLoss {
 public:
  BatchLoss(int64_t step, DecoderModel& model, const std::vector<Batch>& micro, int64_t scored, bool checkpoint_layers,
            const std::function<ForwardContext(int64_t)>& context)
      : step_(step),
        model_(model),
        micro_(micro),
        scored_(scored),
        checkpoint_layers_(checkpoint_layers),
        context_(context) {}

  int64_t step() const override { return step_; }
  int64_t micro_batches() const override { return int64_t(micro_.size()); }
  int64_t scored_tokens() const override { return scored_; }
  Tensor summed_loss(int64_t i) override {
    HONE_CHECK(i >= 0 && i < micro_batches(), "train step: micro-batch ", i, " of ", micro_batches());
    const Batch& b = micro_[size_t(i)];
    if (b.scored_tokens == 0) return Tensor();
    ForwardOptions fwd;
    fwd.positions = b.positions;
    fwd.segment_ids = b.segment_ids;
    fwd.checkpoint_layers = checkpoint_layers_;  // the recomputation sees fwd.context too: same masks
    // Every call for micro-batch i gets the same context, so a gradient source that evaluates
    // the loss more than once (zeroth-order estimates) sees the same dropout masks each time.
    if (context_) fwd.context = context_(i);
    fwd.context.step = uint64_t(step_);
    return model_.loss(b.ids, b.labels, fwd, /*sum=*/true);
  }

 private:
  int64_t step_;
  DecoderModel& model_;
  const std::vector<Batch>& micro_;
  int64_t scored_;
  bool checkpoint_layers_;
  const std::function<ForwardContext(int64_t)>& context_;
};

// Freezes the trainable tensors a selection left out for one step, and thaws them after (also
// when the step throws), so no gradient is computed for them and the optimizer skips them.
class StepFreeze {
 public:
  StepFreeze(const std::vector<Tensor>& all, const std::vector<Tensor>& active) {
    std::unordered_set<const TensorImpl*> kept;
    for (const Tensor& t : active) kept.insert(&t.impl());
    for (const Tensor& t : all) {
      if (kept.count(&t.impl())) continue;
      frozen_.push_back(t);
      frozen_.back().set_requires_grad(false);
    }
  }
  ~StepFreeze() {
    for (Tensor& t : frozen_) t.set_requires_grad(true);
  }
  StepFreeze(const StepFreeze&) = delete;
  StepFreeze& operator=(const StepFreeze&) = delete;

 private:
  std::vector<Tensor> frozen_;
};

}  // namespace

TrainStep::TrainStep(DecoderModel& model, Optimizer& optimizer, std::vector<Tensor> trainable, TrainStepOptions options,
                     std::function<ForwardContext(int64_t)> micro_batch_context)
    : model_(model),
      optimizer_(optimizer),
      trainable_(std::move(trainable)),
      options_(options),
      micro_batch_context_(std::move(micro_batch_context)) {}

StepResult TrainStep::run(int64_t step, double lr, const std::vector<Batch>& micro) {
  HONE_CHECK(!micro.empty(), "train step ", step, ": no micro-batches");
  StepResult r;
  r.lr = lr;
  // Every rank holds the whole global batch, so the step's token counts (which normalise the
  // loss) need no communication.
  for (const Batch& b : micro) {
    r.scored_tokens += b.scored_tokens;
    r.real_tokens += b.real_tokens;
  }
  std::vector<Batch> share;
  if (data_parallel_) {
    for (const Batch& b : micro) {
      const RowShare rows = row_share(b.ids.dim(0), data_parallel_->rank(), data_parallel_->size());
      share.push_back(batch_rows(b, rows.begin, rows.end));
    }
  }
  for (const auto& hook : plugins_.hooks) hook->on_step_begin(step);
  {
    const std::vector<Tensor> active = select(step);
    const StepFreeze freeze(trainable_, active);
    forward_backward(step, data_parallel_ ? share : micro, active, r);
    for (const auto& hook : plugins_.hooks) hook->on_gradients(step, active);
    update(step, lr, active, r);
  }
  for (const auto& hook : plugins_.hooks) hook->on_step_end(step, r.loss);
  return r;
}

std::vector<Tensor> TrainStep::select(int64_t step) {
  if (!plugins_.trainable) return trainable_;
  const std::vector<Tensor> active = plugins_.trainable->select(step, trainable_);
  std::unordered_set<const TensorImpl*> known;
  for (const Tensor& t : trainable_) known.insert(&t.impl());
  for (const Tensor& t : active)
    HONE_CHECK(known.count(&t.impl()), "train step ", step, ": the trainable selection returned ", describe(t),
               ", which the optimizer does not train");
  return active;
}

// `micro`: this rank's rows of the micro-batches; r.scored_tokens counts the global batch's.
void TrainStep::forward_backward(int64_t step, const std::vector<Batch>& micro, const std::vector<Tensor>& active,
                                 StepResult& r) {
  BackpropGradients backprop;
  GradientSource& source = plugins_.gradients ? *plugins_.gradients : backprop;
  BatchLoss loss(step, model_, micro, r.scored_tokens, options_.checkpoint_layers, micro_batch_context_);
  const GradientResult g = source.compute(loss, active);
  double loss_sum = g.loss_sum;
  if (data_parallel_) {
    data_parallel_->sum(std::span<double>(&loss_sum, 1));
    data_parallel_->sum_gradients(active);
  }
  r.loss = r.scored_tokens > 0 ? loss_sum / double(r.scored_tokens) : 0.0;
  r.forward_s = g.forward_s;
  r.backward_s = g.backward_s;
}

void TrainStep::shard_optimizer() {
  HONE_CHECK(data_parallel_, "distributed.shard_optimizer: needs a data-parallel run (mpirun)");
  owners_ = hone::shard_owners(trainable_, data_parallel_->size());
}

void TrainStep::update(int64_t step, double lr, const std::vector<Tensor>& active, StepResult& r) {
  Timer timer;
  if (options_.measure_grad_norm || options_.max_grad_norm > 0) r.grad_norm = clip_grad_norm(active, options_.max_grad_norm);
  // A NaN or inf must not reach the weights (lr 1e30 used to train on and save a NaN adapter).
  // Under data parallelism the norm of the all-reduced gradients decides, the same on every rank.
  if (!std::isfinite(r.grad_norm) || (!data_parallel_ && !std::isfinite(r.loss))) throw NonFiniteStep(step, r.loss, r.grad_norm);
  std::vector<Tensor> updated;
  std::vector<int> from;
  if (!owners_.empty()) {
    // Every rank holds the same clipped gradients; each updates its own tensors only (the
    // optimizer skips a tensor without a gradient and never makes state for it).
    std::unordered_map<const TensorImpl*, int> owner;
    for (size_t i = 0; i < trainable_.size(); ++i) owner[&trainable_[i].impl()] = owners_[i];
    for (const Tensor& t : active) {
      updated.push_back(t);
      from.push_back(owner.at(&t.impl()));
      if (from.back() != data_parallel_->rank()) Tensor(t).zero_grad();
    }
  }
  optimizer_.step(lr);
  optimizer_.zero_grad();
  if (!owners_.empty()) data_parallel_->broadcast(updated, from);
  r.update_s = timer.seconds();
}

}  // namespace hone
