// The training loop: loads the model, tokenizer and data a recipe names, attaches the method
// (LoRA or full), and runs optimizer steps (train_step: gradient accumulation normalised by the
// scored tokens of the whole accumulated batch, clipping, the scheduled learning rate), periodic
// evaluation and atomic checkpoints that a resumed run continues from bit for bit (at a fixed
// thread count). The library prints nothing: progress reaches the caller through callbacks.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hone/data/batcher.h"
#include "hone/data/dataset.h"
#include "hone/model/decoder_model.h"
#include "hone/optim/schedule.h"
#include "hone/tensor/product_precision.h"
#include "hone/train/epoch_boundaries.h"
#include "hone/train/recipe.h"
#include "hone/train/run_folder.h"
#include "hone/train/train_step.h"

namespace hone {

class Tokenizer;
class TrainingMethod;
class Optimizer;

struct StepMetrics {
  int64_t step = 0;        // optimizer steps done (1-based after the first)
  int64_t max_steps = 0;
  double loss = 0;         // mean loss per scored token over the step's accumulated batch
  double lr = 0;
  double grad_norm = 0;    // before clipping
  double tokens_per_s = 0; // real (non-padding) tokens per second in this step
  int64_t scored_tokens = 0;
  double epoch = 0;        // fractional epochs of training data seen
  double elapsed_s = 0;
  double eta_s = 0;
  double peak_rss_mb = 0;
  double tensor_peak_mb = 0;
};

struct EvalMetrics {
  int64_t step = 0;
  double loss = 0, perplexity = 0;
  int64_t tokens = 0;
};

struct TrainerCallbacks {
  std::function<void(const StepMetrics&)> on_step;
  std::function<void(const EvalMetrics&)> on_eval;
  std::function<void(const std::string&)> on_message;  // one-line notes (data stats, checkpoints, resume)
  std::function<void(int64_t done, int64_t total)> on_eval_progress;
};

struct TrainResult {
  int64_t steps_done = 0;
  bool interrupted = false;
  std::optional<EvalMetrics> first_eval, last_eval;
  double last_loss = 0;
  std::string final_output;  // <out>/adapter or <out>/model ("" when interrupted)
};

class Trainer {
 public:
  // Validates the recipe, prepares the run folder and loads everything. Errors name the key,
  // file or line at fault. With `data_parallel` (mpirun), every rank constructs a Trainer from the
  // same recipe; each trains on its rows of every global batch, and only rank 0 writes the run
  // folder (config, metrics, checkpoints, final output).
  explicit Trainer(TrainRecipe recipe, TrainerCallbacks callbacks = {},
                   std::shared_ptr<DataParallel> data_parallel = nullptr);
  ~Trainer();

  TrainResult run();

  // One optimizer step on `micro`, the micro-batches whose gradients accumulate into it (run()
  // draws recipe.grad_accum of them from the training data), at the scheduled learning rate of
  // the next step; step hooks, the gradient source and the trainable selection that the method
  // and optimizer plugged in all apply. Advances step(). Callable on its own after construction.
  StepResult train_step(const std::vector<Batch>& micro);
  // Optimizer steps done (including those before a resumed checkpoint).
  int64_t step() const { return step_; }
  // What the method and the optimizer plugged into the step; a caller may add more before run().
  StepPlugins& step_plugins() { return step_runner_->plugins(); }

  DecoderModel& model() { return *model_; }
  const Tokenizer* tokenizer() const { return tokenizer_.get(); }
  const TrainRecipe& recipe() const { return recipe_; }
  const DatasetStats& train_stats() const { return train_stats_; }
  int64_t max_steps() const { return max_steps_; }
  TrainingMethod& method() { return *method_; }
  // The tensors the optimizer updates.
  const std::vector<Tensor>& trainable() const { return trainable_; }
  // Mean loss on the validation data (method in eval mode); nullopt when there is none.
  std::optional<EvalMetrics> evaluate(int64_t step);

 private:
  void save_checkpoint(int64_t step);
  void restore_checkpoint(const std::string& dir);
  [[noreturn]] void stop_on_non_finite(const NonFiniteStep& e) const;
  void note(const std::string& message) const;
  void append_metrics(const nlohmann::json& line);
  // Whether this process writes the run folder: the only one, or rank 0 of a data-parallel run.
  bool writes_run_folder() const { return !data_parallel_ || data_parallel_->rank() == 0; }
  // Whether any rank asked to stop (Ctrl-C, SIGTERM): all ranks stop after the same step.
  bool stop_requested() const;

  TrainRecipe recipe_;
  TrainerCallbacks callbacks_;
  std::unique_ptr<ProductPrecisionGuard> precision_;  // the run's precision, for the trainer's lifetime
  std::shared_ptr<DataParallel> data_parallel_;
  RunFolder run_;
  std::unique_ptr<DecoderModel> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<TrainingMethod> method_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<Batcher> batcher_;
  std::vector<TokenizedExample> validation_;
  DatasetStats train_stats_;
  std::vector<Tensor> trainable_;
  std::unique_ptr<TrainStep> step_runner_;
  LrSchedule schedule_;
  EpochBoundaries epochs_;
  int64_t max_steps_ = 0;
  int64_t start_step_ = 0;
  int64_t step_ = 0;
  uint64_t micro_step_ = 0;  // micro-batches done: seeds each one's dropout masks
};

}  // namespace hone
