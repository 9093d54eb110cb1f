// `hone train [recipe.yaml] [--key value ...]`: every recipe key is also a flag (see
// train/recipe.h); prints progress on stderr and, with --json, one summary object on stdout.
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>

#include "hone/cli/progress.h"
#include "hone/cli/verbs.h"
#include "hone/dist/launch.h"
#include "hone/train/interrupt.h"
#include "hone/train/trainer.h"

namespace hone::cli {

namespace {

struct TrainArgs {
  std::string recipe_file;
  std::map<std::string, std::string> overrides;
  bool json = false;
};

// What rank 0 of a data-parallel run (or the only process) prints; the other ranks print only
// errors.
TrainerCallbacks progress_callbacks(const TrainRecipe& recipe, ProgressLine& progress) {
  TrainerCallbacks cb;
  cb.on_message = [&](const std::string& m) {
    progress.finish();
    std::fprintf(stderr, "%s\n", m.c_str());
  };
  cb.on_step = [&](const StepMetrics& m) {
    char line[256];
    std::snprintf(line, sizeof line, "step %lld/%lld | loss %.4f | lr %.2e | grad %.3f | %.0f tok/s | mem %.0f MB | ETA %s",
                  (long long)m.step, (long long)m.max_steps, m.loss, m.lr, m.grad_norm, m.tokens_per_s, m.peak_rss_mb,
                  format_duration(m.eta_s).c_str());
    progress.update(line, m.step % recipe.log_every == 0 || m.step == m.max_steps);
  };
  cb.on_eval = [&](const EvalMetrics& m) {
    progress.finish();
    std::fprintf(stderr, "eval at step %lld: loss %.4f, perplexity %.3f over %lld tokens\n", (long long)m.step, m.loss,
                 m.perplexity, (long long)m.tokens);
  };
  cb.on_eval_progress = [&](int64_t done, int64_t total) {
    if (stderr_is_terminal() && (done % 8 == 0 || done == total)) {
      char line[96];
      std::snprintf(line, sizeof line, "evaluating %lld/%lld", (long long)done, (long long)total);
      progress.update(line, false);
    }
  };
  return cb;
}

void run_train(const TrainArgs& args) {
  TrainRecipe recipe;
  if (!args.recipe_file.empty()) apply_recipe_yaml(recipe, args.recipe_file);
  apply_overrides(recipe, args.overrides);

  std::shared_ptr<DataParallel> group = join_data_parallel();
  const bool rank0 = !group || group->rank() == 0;
  ProgressLine progress;
  install_interrupt_handler();
  TrainResult r;
  try {
    Trainer trainer(recipe, rank0 ? progress_callbacks(recipe, progress) : TrainerCallbacks{}, group);
    if (rank0 && group) std::fprintf(stderr, "data parallel: %d ranks\n", group->size());
    r = trainer.run();
  } catch (const std::exception& e) {
    if (!group) throw;
    // One rank's error ends every rank: the others would wait for it in the next collective.
    progress.finish();
    std::fprintf(stderr, "error (rank %d of %d): %s\n", group->rank(), group->size(), e.what());
    std::fflush(nullptr);
    group->abort(1);
  }
  group.reset();  // finalises MPI before an exit
  progress.finish();
  if (rank0 && args.json) {
    nlohmann::json out = {{"steps", r.steps_done}, {"interrupted", r.interrupted}, {"loss", r.last_loss},
                          {"output", r.final_output}};
    if (r.first_eval) out["eval_loss_before"] = r.first_eval->loss;
    if (r.last_eval) out["eval_loss"] = r.last_eval->loss;
    std::cout << out.dump() << "\n";
  }
  if (r.interrupted) {
    std::fprintf(stderr, "stopped at step %lld; continue with --resume\n", (long long)r.steps_done);
    std::fflush(nullptr);
    std::exit(128 + (interrupt_signal() ? interrupt_signal() : SIGINT));
  }
}

void add_train_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Fine-tune a model (LoRA or full) from a recipe and/or flags");
  cmd->footer(
      "Every recipe key is also a flag: hone train recipe.yaml --lora.r 16 --lr 1e-4\n"
      "The run folder (--out) gets config.yaml, metrics.jsonl, checkpoints/step-N/ and the final adapter/ or model/.\n"
      "Ctrl-C (or SIGTERM) finishes the current step, writes a checkpoint and exits with status 130 (143); --resume continues.");
  auto args = std::make_shared<TrainArgs>();
  cmd->add_option("recipe", args->recipe_file, "Recipe YAML (optional)");
  // Unknown flags are collected rather than rejected by CLI11, so the error can name the key
  // and suggest the closest real one.
  cmd->allow_extras();
  cmd->add_flag("--json", args->json, "Print a JSON summary on stdout when done");
  for (const RecipeKey& key : recipe_keys()) {
    const std::string name = key.name;
    auto* opt = cmd->add_option_function<std::string>(
        "--" + name, [args, name](const std::string& v) { args->overrides[name] = v; }, key.help);
    opt->type_name(key.type);
    const std::string fallback = key.get(TrainRecipe{});
    if (key.is_flag) opt->expected(0, 1)->default_str("true")->type_name("[BOOL]");
    else if (!fallback.empty()) opt->description(key.help + " (default " + fallback + ")");
  }
  cmd->callback([args, cmd] {
    for (const std::string& extra : cmd->remaining()) {
      HONE_CHECK(extra.rfind("--", 0) != 0, unknown_recipe_key_message(extra.substr(2, extra.find('=') - 2)));
      HONE_FAIL("unexpected argument '", extra, "' (one recipe file at most; settings are --key value)");
    }
    run_train(*args);
  });
}

}  // namespace

HONE_REGISTER_VERB(train, add_train_verb);

}  // namespace hone::cli
