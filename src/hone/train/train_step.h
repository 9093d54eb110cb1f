// One optimizer step on an accumulated batch, split as llm.c splits it: forward and backward
// (by the step's gradient source: backpropagation unless a method or optimizer plugs in another),
// then the update (clip, optimizer step, gradients dropped). Hooks see the step's boundaries and a
// trainable selection may freeze tensors for the step. The trainer and `hone bench` both step
// through this, so what bench times is what training runs.
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include "hone/data/batch.h"
#include "hone/model/decoder_model.h"
#include "hone/optim/optimizer.h"
#include "hone/optim/step_plugins.h"
#include "hone/train/data_parallel.h"
#include "hone/util/error.h"

namespace hone {

// Thrown by TrainStep::run before the update when the step's loss or gradient norm is NaN or
// infinite: the weights and optimizer state are still those of the last good step.
class NonFiniteStep : public Error {
 public:
  NonFiniteStep(int64_t step, double loss, double grad_norm)
      : Error(cat("step ", step, ": non-finite ", std::isfinite(loss) ? "gradient norm" : "loss", " (loss ", loss,
                  ", gradient norm ", grad_norm, "); stopped without applying this step")),
        step(step) {}
  int64_t step;
};

struct TrainStepOptions {
  double max_grad_norm = 0;        // clip the global gradient norm to this (0: no clipping)
  bool measure_grad_norm = true;   // false: not even measured (bench, as PyTorch's reference step)
  bool checkpoint_layers = false;  // recompute each layer's activations in backward
};

struct StepResult {
  double loss = 0;       // mean loss per scored token over the accumulated (global) batch
  double grad_norm = 0;  // global norm before clipping (0 when not measured)
  double lr = 0;         // the learning rate of the update
  int64_t scored_tokens = 0, real_tokens = 0;  // of the global batch (all ranks)
  double forward_s = 0, backward_s = 0, update_s = 0;  // the three phases, summed over micro-batches
};

class TrainStep {
 public:
  // `trainable`: every tensor `optimizer` updates. `micro_batch_context(i)`, when given, is the
  // ForwardContext of the forward pass on micro-batch i of a step (the trainer's: training, the
  // run's seed and the micro-step that seeds its dropout masks); its `step` is set to the step's.
  // Without one the forward passes run with a default context (no dropout).
  TrainStep(DecoderModel& model, Optimizer& optimizer, std::vector<Tensor> trainable, TrainStepOptions options,
            std::function<ForwardContext(int64_t)> micro_batch_context = {});

  StepPlugins& plugins() { return plugins_; }
  const std::vector<Tensor>& trainable() const { return trainable_; }
  // Data-parallel: each run() then trains on this rank's rows of every micro-batch, and the
  // gradients and the loss are summed over the ranks before the update.
  void set_data_parallel(std::shared_ptr<DataParallel> data_parallel) { data_parallel_ = std::move(data_parallel); }
  // ZeRO-1 (train/optimizer_shards.h; data-parallel only): each rank updates only the tensors it
  // owns, keeping optimizer state for those alone, and the updated values travel from their
  // owners to every rank.
  void shard_optimizer();
  // The owner of each trainable() tensor when sharded; empty otherwise.
  const std::vector<int>& shard_owners() const { return owners_; }

  // Step number `step` (from 1) at learning rate `lr` over `micro`, the micro-batches whose
  // gradients accumulate into this one update (data-parallel: the global micro-batches, the same
  // on every rank; each rank takes its rows of each).
  StepResult run(int64_t step, double lr, const std::vector<Batch>& micro);

 private:
  // The tensors trained at `step`: the selection's, checked to be among trainable_ (else all).
  std::vector<Tensor> select(int64_t step);
  // Gradients of the step's mean loss into .grad of `active`, by the gradient source; fills
  // loss, forward_s and backward_s.
  void forward_backward(int64_t step, const std::vector<Batch>& micro, const std::vector<Tensor>& active,
                        StepResult& r);
  // Clip, optimizer step, drop the gradients; fills grad_norm and update_s. Throws NonFiniteStep
  // before the optimizer step when the loss or gradient norm is not finite.
  void update(int64_t step, double lr, const std::vector<Tensor>& active, StepResult& r);

  DecoderModel& model_;
  Optimizer& optimizer_;
  std::vector<Tensor> trainable_;
  TrainStepOptions options_;
  std::function<ForwardContext(int64_t)> micro_batch_context_;
  StepPlugins plugins_;
  std::shared_ptr<DataParallel> data_parallel_;
  std::vector<int> owners_;
};

}  // namespace hone
