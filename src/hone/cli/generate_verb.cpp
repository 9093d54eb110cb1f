// `hone generate`: continue a prompt with a model (Hugging Face folder or GGUF file), greedy or
// sampled, streaming the text as tokens arrive (or one JSON object with --json).
#include <nlohmann/json.hpp>

#include <iostream>
#include <optional>
#include <sstream>

#include "hone/cli/threads_flag.h"
#include "hone/cli/verbs.h"
#include "hone/eval/generate.h"
#include "hone/model/load_model.h"
#include "hone/peft/registry.h"
#include "hone/tensor/product_precision.h"
#include "hone/tokenizer/decode_stream.h"
#include "hone/util/error.h"
#include "hone/util/threads.h"

namespace hone::cli {

namespace {

struct GenerateArgs {
  std::string model, adapter, tokenizer, prompt, prompt_ids;
  GenerationOptions generation;
  int threads = 0;
  std::string precision = "auto";
  bool json = false;
};

std::vector<int32_t> parse_prompt_ids(const std::string& text) {
  std::vector<int32_t> ids;
  std::string item;
  std::istringstream stream(text);
  while (std::getline(stream, item, ',')) {
    size_t used = 0;
    long long value = -1;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    HONE_CHECK(!item.empty() && used == item.size() && value >= 0 && value <= INT32_MAX, "--prompt_ids: item ",
               ids.size(), " ('", item, "') is not a non-negative integer token id");
    ids.push_back(int32_t(value));
  }
  HONE_CHECK(!ids.empty(), "--prompt_ids is empty");
  return ids;
}

// The model to generate with, and the PEFT adapter attached to it when --adapter names one
// (unmerged, so it computes exactly what training measured; kept alive beside the model).
struct GenerationModel {
  std::unique_ptr<DecoderModel> model;
  std::unique_ptr<Adapter> adapter;
};

GenerationModel load_generation_model(const GenerateArgs& args) {
  GenerationModel m{load_model(args.model), nullptr};
  if (!args.adapter.empty()) m.adapter = load_adapter(*m.model, args.adapter);
  return m;
}

void run_generate(const GenerateArgs& args) {
  apply_threads_flag(args.threads);
  const ProductPrecisionGuard precision(resolve_precision(args.precision, "--precision"));
  HONE_CHECK(args.prompt.empty() || args.prompt_ids.empty(),
             "generate: --prompt and --prompt_ids both given; give the prompt one way: text or ids");
  HONE_CHECK(!args.prompt.empty() || !args.prompt_ids.empty(), "generate: give the prompt with --prompt TEXT or --prompt_ids 1,2,3");
  GenerationModel loaded = load_generation_model(args);
  const std::unique_ptr<DecoderModel>& model = loaded.model;
  const std::optional<Tokenizer> tokenizer =
      args.tokenizer.empty() ? load_model_tokenizer(args.model) : std::optional<Tokenizer>(Tokenizer::load(args.tokenizer));
  std::vector<int32_t> prompt;
  if (!args.prompt.empty()) {
    HONE_CHECK(tokenizer.has_value(), "generate: ", args.model,
               " has no tokenizer.json, so --prompt TEXT cannot be tokenized: pass --prompt_ids or --tokenizer PATH");
    prompt = tokenizer->encode(args.prompt);
  } else {
    prompt = parse_prompt_ids(args.prompt_ids);
  }
  GenerationOptions options = args.generation;
  options.stop_ids = generation_stop_ids(args.model, model->config(), tokenizer ? &*tokenizer : nullptr);

  std::optional<DecodeStream> stream;
  if (tokenizer && !args.json) stream.emplace(*tokenizer, /*skip_special_tokens=*/true);
  const GenerationResult r = generate(*model, prompt, options, [&](int32_t id) {
    if (args.json) return;
    if (stream) std::cout << stream->step(id) << std::flush;
    else std::cout << id << " " << std::flush;
  });
  const size_t n = r.tokens.size();
  // The first new token comes from the prefill; each later one costs one decode step.
  const double decode_tps = n > 1 && r.decode_seconds > 0 ? double(n - 1) / r.decode_seconds : 0.0;
  const double prompt_tps = r.prefill_seconds > 0 ? double(r.prompt_tokens) / r.prefill_seconds : 0.0;
  if (!args.json) {
    if (stream) std::cout << stream->flush();
    std::cout << "\n";
    std::cerr << "[" << r.prompt_tokens << " prompt tokens at " << int64_t(prompt_tps) << " tok/s, " << n
              << " new tokens at " << int64_t(decode_tps) << " tok/s, finish: " << r.finish_reason << "]\n";
    return;
  }
  nlohmann::ordered_json out;
  out["ids"] = r.tokens;
  if (tokenizer) {
    DecodeOptions decode;
    decode.skip_special_tokens = true;
    out["text"] = tokenizer->decode(r.tokens, decode);
  }
  out["finish_reason"] = r.finish_reason;
  out["prompt_tokens"] = r.prompt_tokens;
  out["new_tokens"] = n;
  out["prompt_tokens_per_second"] = prompt_tps;
  out["decode_tokens_per_second"] = decode_tps;
  std::cout << out.dump() << "\n";
}

void add_generate_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("generate", "Continue a prompt with a model (greedy or sampled), streaming the text");
  cmd->footer(
      "Examples:\n"
      "  hone generate --model models/SmolLM2-135M --prompt 'The capital of France is' --max_new_tokens 20\n"
      "  hone generate --model model.gguf --prompt_ids 1,450,7483 --temperature 0.8 --top_p 0.95 --seed 7 --json");
  auto args = std::make_shared<GenerateArgs>();
  cmd->add_option("--model", args->model, "Hugging Face model folder or GGUF file")->required();
  cmd->add_option("--adapter", args->adapter, "PEFT adapter folder (adapter_config.json + adapter_model.safetensors) to apply");
  cmd->add_option("--prompt", args->prompt, "Prompt text (needs the model's tokenizer.json, or --tokenizer)");
  cmd->add_option("--prompt_ids", args->prompt_ids, "Prompt as comma-separated token ids, e.g. 1,15043,3186");
  cmd->add_option("--tokenizer", args->tokenizer, "Tokenizer folder or tokenizer.json (default: the model folder's)");
  cmd->add_option("--max_new_tokens", args->generation.max_new_tokens, "Most tokens to generate")->capture_default_str();
  cmd->add_option("--temperature", args->generation.sampling.temperature, "0 = greedy; > 0 samples from softmax(logits / T)")
      ->capture_default_str();
  cmd->add_option("--top_k", args->generation.sampling.top_k, "Sample among the k most likely tokens (0 = all)")
      ->capture_default_str();
  cmd->add_option("--top_p", args->generation.sampling.top_p, "Sample within the smallest set of probability >= p")
      ->capture_default_str();
  cmd->add_option("--seed", args->generation.sampling.seed, "Seed of the sampling RNG")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads for kernels and BLAS (0 = all cores)")->capture_default_str();
  cmd->add_option("--precision", args->precision,
                  "Matrix products: f32, bf16 (bf16 inputs, f32 accumulation, as PyTorch autocast) or auto (bf16 "
                  "where the CPU has native bf16)")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print one JSON object (ids, text, finish_reason, tokens per second)");
  cmd->callback([args] { run_generate(*args); });
}

}  // namespace

HONE_REGISTER_VERB(generate, add_generate_verb);

}  // namespace hone::cli
