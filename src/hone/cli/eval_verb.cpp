// `hone eval`: loss, perplexity and scored-token count of a model on a pre-tokenized JSONL file
// ({"input_ids": [...], "labels": [...]} a line), with a progress bar on a terminal.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "hone/cli/progress.h"
#include "hone/cli/verbs.h"
#include "hone/eval/perplexity.h"
#include "hone/model/load_model.h"
#include "hone/util/threads.h"
#include "hone/util/timer.h"

namespace hone::cli {

namespace {

struct EvalArgs {
  std::string model, data;
  int threads = 0;
  bool json = false;
};

std::string progress_text(int64_t done, int64_t total, double elapsed) {
  const int width = 30;
  const int filled = total > 0 ? int(width * done / total) : width;
  const double eta = done > 0 ? elapsed / double(done) * double(total - done) : -1;
  char buf[160];
  std::snprintf(buf, sizeof buf, "eval [%s%s] %lld/%lld  %s elapsed, ETA %s", std::string(size_t(filled), '#').c_str(),
                std::string(size_t(width - filled), '.').c_str(), static_cast<long long>(done),
                static_cast<long long>(total), format_duration(elapsed).c_str(), format_duration(eta).c_str());
  return buf;
}

void run_eval(const EvalArgs& args) {
  set_threads(args.threads);
  // The model's `--adapter DIR` (training issue) attaches right after this load.
  const std::unique_ptr<DecoderModel> model = load_model(args.model);
  const std::vector<TokenizedExample> examples = read_tokens_jsonl(args.data, model->config().vocab_size);
  ProgressLine progress;
  Timer timer;
  const EvalResult r = evaluate_loss(*model, examples, [&](int64_t done, int64_t total) {
    progress.update(progress_text(done, total, timer.seconds()), false);
  });
  progress.finish();
  if (args.json) {
    std::cout << nlohmann::ordered_json{{"loss", r.loss}, {"perplexity", r.perplexity}, {"tokens", r.tokens}}.dump() << "\n";
  } else {
    std::printf("loss: %.6f\nperplexity: %.4f\ntokens: %lld\nexamples: %lld\n", r.loss, r.perplexity,
                static_cast<long long>(r.tokens), static_cast<long long>(r.examples));
  }
}

void add_eval_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Loss and perplexity of a model on a pre-tokenized JSONL file");
  cmd->footer(
      "Each line of FILE is {\"input_ids\": [...]} with optional \"labels\": [...] (-100 = not scored);\n"
      "loss is the mean next-token NLL over every scored token (labels shifted by one, as in Hugging Face).\n"
      "Example:\n  hone eval --model models/SmolLM2-135M --data valid.jsonl --json");
  auto args = std::make_shared<EvalArgs>();
  cmd->add_option("--model", args->model, "Hugging Face model folder or GGUF file")->required();
  cmd->add_option("--data", args->data, "Pre-tokenized JSONL file")->required();
  cmd->add_option("--threads", args->threads, "Threads for kernels and BLAS (0 = all cores)")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print one JSON object {\"loss\", \"perplexity\", \"tokens\"}");
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace

HONE_REGISTER_VERB(eval, add_eval_verb);

}  // namespace hone::cli
