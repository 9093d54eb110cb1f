// `hone eval`: loss, perplexity and scored-token count of a model (with a PEFT adapter when
// --adapter names one) on a JSONL file in any training format (text, completion, alpaca,
// messages, or pre-tokenized {"input_ids", "labels"}), with a progress bar on a terminal.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "hone/cli/progress.h"
#include "hone/cli/threads_flag.h"
#include "hone/cli/verbs.h"
#include "hone/data/dataset.h"
#include "hone/data/dataset_format.h"
#include "hone/eval/perplexity.h"
#include "hone/model/load_model.h"
#include "hone/peft/registry.h"
#include "hone/tensor/product_precision.h"
#include "hone/util/threads.h"
#include "hone/util/timer.h"

namespace hone::cli {

namespace {

struct EvalArgs {
  std::string model, adapter, data;
  DatasetOptions dataset;
  int threads = 0;
  std::string precision = "auto";
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

// Pre-tokenized files keep their own checks (ids within the vocabulary, no truncation); every
// other format is read as training reads it, so the loss here is the loss training reports.
bool is_pre_tokenized(const EvalArgs& args) {
  if (args.dataset.format != "auto") return parse_dataset_format(args.dataset.format) == DatasetFormat::Tokens;
  std::ifstream in(args.data);
  HONE_CHECK(in, args.data, ": cannot open the data file");
  std::string first;
  std::getline(in, first);
  const nlohmann::json record = nlohmann::json::parse(first, nullptr, /*allow_exceptions=*/false);
  return record.is_object() && detect_dataset_format(record) == DatasetFormat::Tokens;
}

std::vector<TokenizedExample> read_examples(const EvalArgs& args, const DecoderModel& model) {
  if (is_pre_tokenized(args)) return read_tokens_jsonl(args.data, model.config().vocab_size);
  const std::optional<Tokenizer> tokenizer = load_model_tokenizer(args.model);
  HONE_CHECK(tokenizer.has_value(), args.data, ": text data needs the model's tokenizer.json, and ", args.model,
             " has none");
  DatasetOptions options = args.dataset;
  if (options.seq_len <= 0) options.seq_len = model.config().max_position_embeddings;
  Dataset data = load_dataset(args.data, options, &*tokenizer);
  if (data.stats.truncated > 0)
    std::fprintf(stderr, "%s: %lld of %lld examples truncated to %lld tokens\n", args.data.c_str(),
                 static_cast<long long>(data.stats.truncated), static_cast<long long>(data.stats.examples),
                 static_cast<long long>(options.seq_len));
  return std::move(data.examples);
}

void run_eval(const EvalArgs& args) {
  HONE_CHECK(args.dataset.seq_len >= 0, "--seq_len must be >= 0 (0 = the model's max_position_embeddings), got ",
             args.dataset.seq_len);
  apply_threads_flag(args.threads);
  const ProductPrecisionGuard precision(resolve_precision(args.precision, "--precision"));
  const std::unique_ptr<DecoderModel> model = load_model(args.model);
  // Unmerged, exactly as training evaluates it; kept alive while the model runs.
  std::unique_ptr<Adapter> adapter;
  if (!args.adapter.empty()) adapter = load_adapter(*model, args.adapter);
  const std::vector<TokenizedExample> examples = read_examples(args, *model);
  ProgressLine progress;
  Timer timer;
  const EvalResult r = with_context(args.data, [&] {
    return evaluate_loss(*model, examples, [&](int64_t done, int64_t total) {
      progress.update(progress_text(done, total, timer.seconds()), false);
    });
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
  auto* cmd = app.add_subcommand("eval", "Loss and perplexity of a model (and adapter) on a JSONL dataset");
  cmd->footer(
      "FILE is JSONL in any training format: text, completion (prompt/completion), alpaca, messages, or\n"
      "pre-tokenized {\"input_ids\": [...]} with optional \"labels\": [...] (-100 = not scored). Only the tokens\n"
      "training would score count; loss is the mean next-token NLL over them (labels shifted by one, as in\n"
      "Hugging Face).\n"
      "Examples:\n  hone eval --model models/SmolLM2-135M --data valid.jsonl --json\n"
      "  hone eval --model models/demo --adapter runs/demo/adapter --data examples/demo/definitions_heldout.jsonl");
  auto args = std::make_shared<EvalArgs>();
  cmd->add_option("--model", args->model, "Hugging Face model folder or GGUF file")->required();
  cmd->add_option("--adapter", args->adapter, "PEFT adapter folder (adapter_config.json + adapter_model.safetensors) to apply");
  cmd->add_option("--data", args->data, "JSONL file (text, completion, alpaca, messages or pre-tokenized)")->required();
  args->dataset.seq_len = 0;
  cmd->add_option("--format", args->dataset.format, "Data format: auto, text, completion, alpaca, messages or tokens")
      ->capture_default_str();
  cmd->add_option("--seq_len", args->dataset.seq_len,
                  "Truncate longer examples to this many tokens (0 = the model's max_position_embeddings)")
      ->capture_default_str();
  cmd->add_option("--chat_template", args->dataset.chat_template,
                  "Built-in chat template (chatml, llama3, llama2, mistral, alpaca) when the model has none");
  cmd->add_option("--threads", args->threads, "Threads for kernels and BLAS (0 = all cores)")->capture_default_str();
  cmd->add_option("--precision", args->precision,
                  "Matrix products: f32, bf16 (bf16 inputs, f32 accumulation, as PyTorch autocast) or auto (bf16 "
                  "where the CPU has native bf16)")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print one JSON object {\"loss\", \"perplexity\", \"tokens\"}");
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace

HONE_REGISTER_VERB(eval, add_eval_verb);

}  // namespace hone::cli
