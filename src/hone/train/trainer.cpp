#include "hone/train/trainer.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "hone/eval/perplexity.h"
#include "hone/io/safetensors.h"
#include "hone/model/frozen_weights.h"
#include "hone/model/hf_model.h"
#include "hone/peft/registry.h"
#include "hone/tensor/allocator.h"
#include "hone/tokenizer/tokenizer.h"
#include "hone/train/interrupt.h"
#include "hone/train/optimizer_shards.h"
#include "hone/train/run_precision.h"
#include "hone/train/trainer_state.h"
#include "hone/train/training_method.h"
#include "hone/util/atomic_file.h"
#include "hone/util/threads.h"
#include "hone/util/timer.h"

namespace hone {

namespace fs = std::filesystem;

namespace {

DatasetOptions dataset_options(const TrainRecipe& r) {
  DatasetOptions o;
  o.format = r.format;
  o.seq_len = r.seq_len;
  o.truncation = r.truncation;
  o.skip_bad_lines = r.skip_bad_lines;
  o.chat_template = r.chat_template;
  return o;
}

std::string describe_stats(const std::string& what, const DatasetStats& s) {
  return cat(what, ": ", s.examples, " examples (", s.format, "), ", s.tokens, " tokens, ", s.scored_tokens,
             " scored; ", s.truncated, " truncated to seq_len", s.skipped_lines ? cat(", ", s.skipped_lines, " bad lines skipped") : "",
             s.dropped_unscored ? cat(", ", s.dropped_unscored, " dropped with nothing left to score") : "");
}

}  // namespace

Trainer::Trainer(TrainRecipe recipe, TrainerCallbacks callbacks, std::shared_ptr<DataParallel> data_parallel)
    : recipe_(std::move(recipe)), callbacks_(std::move(callbacks)), data_parallel_(std::move(data_parallel)) {
  recipe_.validate();
  set_threads(usable_threads(recipe_.threads));
  if (recipe_.threads > threads())
    note(cat("note: threads ", recipe_.threads, " capped at the ", threads(), " cores available to this process"));
  if (writes_run_folder()) {
    run_ = prepare_run_folder(recipe_.out, recipe_.overwrite, recipe_.resume);
  } else {
    run_.root = recipe_.out;
  }
  // The other ranks read a resumed run's folder only once rank 0 has checked it.
  if (data_parallel_) data_parallel_->barrier();
  const Precision precision = resolve_run_precision(recipe_.precision, run_.config_path(), recipe_.resume);
  recipe_.precision = precision_name(precision);
  precision_ = std::make_unique<ProductPrecisionGuard>(precision);
  if (writes_run_folder()) {
    const std::string yaml = recipe_to_yaml(recipe_);
    write_file_atomically(run_.config_path(), yaml.data(), yaml.size());
  }

  model_ = load_hf_model(recipe_.model);
  if (fs::exists(fs::path(recipe_.model) / "tokenizer.json")) tokenizer_ = std::make_unique<Tokenizer>(Tokenizer::load(recipe_.model));

  Dataset train = load_dataset(recipe_.data, dataset_options(recipe_), tokenizer_.get());
  Dataset validation;
  if (!recipe_.eval_data.empty()) {
    validation = load_dataset(recipe_.eval_data, dataset_options(recipe_), tokenizer_.get());
  } else if (recipe_.val_split > 0) {
    std::tie(train, validation) = split_validation(std::move(train), recipe_.val_split, recipe_.seed);
  }
  train_stats_ = train.stats;
  for (const std::string& w : train.stats.warnings) note("warning: skipped " + w);
  for (const std::string& w : validation.stats.warnings) note("warning: skipped " + w);
  note(describe_stats("training data", train.stats));
  if (!validation.examples.empty()) note(describe_stats("validation data", validation.stats));
  validation_ = std::move(validation.examples);

  BatchingOptions batching;
  batching.batch_size = recipe_.batch_size;
  batching.seq_len = recipe_.seq_len;
  batching.packing = recipe_.packing;
  batching.seed = recipe_.seed;
  if (tokenizer_ && tokenizer_->pad_id()) batching.pad_id = *tokenizer_->pad_id();
  batcher_ = std::make_unique<Batcher>(std::move(train.examples), batching);
  max_steps_ = recipe_.max_steps > 0
                   ? recipe_.max_steps
                   : std::max<int64_t>(1, int64_t(std::ceil(recipe_.epochs * double(batcher_->batches_per_epoch()) /
                                                            double(recipe_.grad_accum))));

  method_ = make_training_method(recipe_, *model_, recipe_.model);
  // The products read frozen base weights as bf16 anyway: store them so where the method allows.
  const AdapterMethod& registered = adapter_method(recipe_.method);
  if (precision == Precision::BF16 && registered.freezes_base &&
      registered.freezes_base(method_options(recipe_, recipe_.method)))
    store_frozen_projections(*model_, DType::BF16);
  auto groups = method_->param_groups(recipe_.weight_decay);
  for (const ParamGroup& g : groups) trainable_.insert(trainable_.end(), g.params.begin(), g.params.end());
  optimizer_ = make_optimizer(recipe_.optimizer, optimizer_options(recipe_, recipe_.optimizer), std::move(groups));
  schedule_ = LrSchedule{recipe_.schedule, recipe_.lr, recipe_.warmup_steps, max_steps_, recipe_.min_lr_ratio};
  schedule_.validate();
  TrainStepOptions step_options;
  step_options.max_grad_norm = recipe_.max_grad_norm;
  step_options.checkpoint_layers = recipe_.gradient_checkpointing;
  // Dropout masks are seeded by the run's seed and the count of micro-batches before this one,
  // so a resumed run draws the same masks.
  step_runner_ = std::make_unique<TrainStep>(*model_, *optimizer_, trainable_, step_options, [this](int64_t i) {
    ForwardContext ctx;
    ctx.training = true;
    ctx.seed = recipe_.seed;
    ctx.micro_step = micro_step_ + uint64_t(i);
    return ctx;
  });
  step_runner_->set_data_parallel(data_parallel_);
  if (recipe_.shard_optimizer && data_parallel_) step_runner_->shard_optimizer();
  method_->add_step_plugins(step_runner_->plugins());
  optimizer_->add_step_plugins(step_runner_->plugins());
  note(cat("method ", method_->name(), ": ", method_->trainable_parameter_count(), " trainable of ",
           model_->config().parameter_count(), " parameters; ", max_steps_, " steps of ", recipe_.batch_size, " x ",
           recipe_.grad_accum, " sequences"));

  if (recipe_.resume) {
    const std::optional<std::string> newest = run_.newest_checkpoint();
    HONE_CHECK(newest, recipe_.out, ": rank ", data_parallel_ ? data_parallel_->rank() : 0,
               " sees no checkpoint there (a resumed data-parallel run needs the run folder on a filesystem every rank sees)");
    restore_checkpoint(*newest);
  }
}

Trainer::~Trainer() = default;

void Trainer::note(const std::string& message) const {
  if (callbacks_.on_message) callbacks_.on_message(message);
}

bool Trainer::stop_requested() const {
  double stop = interrupt_requested() ? 1 : 0;
  if (data_parallel_) data_parallel_->sum(std::span<double>(&stop, 1));
  return stop > 0;
}

void Trainer::append_metrics(const nlohmann::json& line) {
  if (!writes_run_folder()) return;
  std::ofstream out(run_.metrics_path(), std::ios::app);
  HONE_CHECK(out, run_.metrics_path(), ": cannot append");
  out << line.dump() << "\n";
}

std::optional<EvalMetrics> Trainer::evaluate(int64_t step) {
  if (validation_.empty()) return std::nullopt;
  const EvalResult r = evaluate_loss(*model_, validation_, callbacks_.on_eval_progress);
  EvalMetrics m{step, r.loss, r.perplexity, r.tokens};
  append_metrics({{"step", step}, {"eval_loss", r.loss}, {"eval_perplexity", r.perplexity}, {"eval_tokens", r.tokens}});
  if (callbacks_.on_eval) callbacks_.on_eval(m);
  return m;
}

void Trainer::save_checkpoint(int64_t step) {
  OptimizerState state = optimizer_->state();
  const std::vector<int>& owners = step_runner_->shard_owners();
  if (!owners.empty()) {
    // ZeRO-1: each rank holds its own tensors' state; the checkpoint gets the full state, so a run
    // resumes on any number of ranks.
    const std::vector<std::string> shares = data_parallel_->gather(serialize_optimizer_state(state));
    if (writes_run_folder()) {
      std::vector<OptimizerState> per_rank;
      for (const std::string& bytes : shares) per_rank.push_back(deserialize_optimizer_state(bytes));
      state = merge_optimizer_states(per_rank, trainable_, owners);
    }
  }
  if (!writes_run_folder()) return;
  const std::string dir = run_.checkpoint_dir(step);
  fs::create_directories(run_.checkpoints_dir());
  write_directory_atomically(dir, [&](const std::string& tmp) {
    method_->save_weights(tmp);
    save_safetensors(tmp + "/optimizer.safetensors", state.tensors);
    const nlohmann::json trainer_state = {{"step", step},
                                          {"max_steps", max_steps_},
                                          {"micro_step", micro_step_},
                                          {"seed", recipe_.seed},
                                          {"method", method_->name()},
                                          {"data_position", batcher_->position().to_json()},
                                          {"epoch_boundaries", epochs_.to_json()},
                                          {"optimizer", state.scalars}};
    const std::string text = trainer_state.dump(2) + "\n";
    write_file_atomically(tmp + "/trainer_state.json", text.data(), text.size());
  });
  note(cat("checkpoint written: ", dir));
}

// TrainStep stops before the update, so the weights, the newest checkpoint and the final output
// all stay as they were before the bad step, and nothing is saved from it.
void Trainer::stop_on_non_finite(const NonFiniteStep& e) const {
  const std::optional<std::string> good = run_.newest_checkpoint();
  HONE_FAIL(e.what(), " or saving its weights. ",
            good ? "The last good checkpoint is " + *good + " (--resume continues from it)" : std::string("No checkpoint was written yet"),
            ". Lower --lr, or check the data and the model's weights.");
}

void Trainer::restore_checkpoint(const std::string& dir) {
  with_context(dir, [&] {
    const TrainerState state = read_trainer_state(dir + "/trainer_state.json");
    HONE_CHECK(state.method == method_->name(), "checkpoint is from method '", state.method, "', the recipe says '",
               method_->name(), "'");
    method_->load_weights(dir);
    OptimizerState opt;
    opt.scalars = state.optimizer;
    const SafetensorsFile f = SafetensorsFile::open(dir + "/optimizer.safetensors");
    for (const auto& e : f.entries()) opt.tensors.emplace_back(e.name, f.get(e.name));
    restore_optimizer_state(*optimizer_, opt, dir + "/trainer_state.json");
    batcher_->set_position(DataPosition::from_json(state.data_position));
    // Checkpoints from before step hooks existed lack it: boundaries then restart from the position.
    if (!state.epoch_boundaries.is_null()) epochs_ = EpochBoundaries::from_json(state.epoch_boundaries);
    start_step_ = step_ = state.step;
    micro_step_ = state.micro_step;
    return 0;
  });
  // Metrics logged after this checkpoint (before the interruption) will be logged again.
  if (writes_run_folder() && fs::exists(run_.metrics_path())) {
    std::ifstream in(run_.metrics_path());
    std::string line, kept;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("step", int64_t(0)) <= start_step_) kept += line + "\n";
    }
    write_file_atomically(run_.metrics_path(), kept.data(), kept.size());
  }
  note(cat("resumed from ", dir, " at step ", start_step_, " of ", max_steps_));
}

StepResult Trainer::train_step(const std::vector<Batch>& micro) {
  StepResult r;
  try {
    r = step_runner_->run(step_ + 1, schedule_.lr_at(step_), micro);
  } catch (const NonFiniteStep& e) {
    stop_on_non_finite(e);
  }
  micro_step_ += micro.size();
  ++step_;
  return r;
}

TrainResult Trainer::run() {
  TrainResult result;
  if (start_step_ == 0) result.first_eval = evaluate(0);

  Timer run_timer;
  const int64_t batches_per_epoch = std::max<int64_t>(1, batcher_->batches_per_epoch());
  const auto& hooks = step_runner_->plugins().hooks;
  while (step_ < max_steps_) {
    Timer step_timer;
    reset_peak_memory();
    epochs_.before_step(batcher_->position(), hooks);
    std::vector<Batch> micro(size_t(recipe_.grad_accum));
    for (Batch& b : micro) b = batcher_->next();
    const StepResult s = train_step(micro);
    epochs_.after_step(batcher_->position(), hooks);
    const int64_t step = step_;

    StepMetrics m;
    m.step = step;
    m.max_steps = max_steps_;
    m.loss = s.loss;
    m.lr = s.lr;
    m.grad_norm = s.grad_norm;
    m.scored_tokens = s.scored_tokens;
    const double seconds = step_timer.seconds();
    m.tokens_per_s = seconds > 0 ? double(s.real_tokens) / seconds : 0;
    m.epoch = double(step * recipe_.grad_accum) / double(batches_per_epoch);
    m.elapsed_s = run_timer.seconds();
    m.eta_s = m.elapsed_s / double(step - start_step_) * double(max_steps_ - step);
    m.peak_rss_mb = double(peak_resident_bytes()) / (1 << 20);
    m.tensor_peak_mb = double(memory_stats().peak_bytes) / (1 << 20);
    result.last_loss = m.loss;
    if (step % recipe_.log_every == 0 || step == max_steps_) {
      append_metrics({{"step", step}, {"loss", m.loss}, {"lr", m.lr}, {"grad_norm", m.grad_norm},
                      {"tokens_per_s", m.tokens_per_s}, {"scored_tokens", m.scored_tokens}, {"epoch", m.epoch},
                      {"peak_rss_mb", m.peak_rss_mb}, {"tensor_peak_mb", m.tensor_peak_mb}});
    }
    if (callbacks_.on_step) callbacks_.on_step(m);

    const bool stopping = stop_requested();
    if ((recipe_.save_every > 0 && step % recipe_.save_every == 0) || stopping || step == max_steps_) save_checkpoint(step);
    if (stopping) {
      result.interrupted = true;
      break;
    }
    if (recipe_.eval_every > 0 && step % recipe_.eval_every == 0 && step < max_steps_) result.last_eval = evaluate(step);
  }
  result.steps_done = step_;
  if (!result.interrupted) {
    if (!result.last_eval || result.last_eval->step != step_) result.last_eval = evaluate(step_);
    result.final_output = run_.root + "/" + method_->final_folder_name();
    if (writes_run_folder()) {
      method_->save_final(result.final_output);
      note(cat("saved ", result.final_output));
    }
  }
  return result;
}

}  // namespace hone
