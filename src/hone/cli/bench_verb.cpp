// `hone bench`: the standard performance workloads (../shared/bench/README.md) as JSON lines.
// `--mode all` runs each workload in a fresh process of its own, so every peak-memory figure
// belongs to one workload alone.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "hone/cli/verbs.h"
#include "hone/tensor/product_precision.h"
#include "hone/tools/bench_workloads.h"
#include "hone/util/error.h"
#include "hone/util/threads.h"

namespace hone::cli {

namespace {

struct BenchArgs {
  BenchOptions options;
  std::string mode = "all";
  int threads = 2;
};

int run_in_child(const BenchArgs& a, const std::string& mode) {
  std::string cmd = "'/proc/" + std::to_string(::getpid()) + "/exe' bench --mode " + mode + " --shape " + a.options.shape +
                    " --threads " + std::to_string(a.threads) + " --steps " + std::to_string(a.options.steps) +
                    " --warmup " + std::to_string(a.options.warmup) + " --batch " + std::to_string(a.options.batch) +
                    " --seq " + std::to_string(a.options.seq) + " --weights_dtype " + a.options.weights_dtype + " --precision " + a.options.precision +
                    " --prompt_len " + std::to_string(a.options.prompt_len) + " --new_tokens " + std::to_string(a.options.new_tokens) +
                    " --gemm_peak_gflops " + std::to_string(a.options.gemm_peak_gflops) +
                    (a.options.gradient_checkpointing ? " --gradient_checkpointing" : "");
  std::cout.flush();
  return std::system(cmd.c_str());
}

void run_bench(const BenchArgs& a) {
  if (a.mode == "all") {
    for (const char* m : {"full", "lora", "prefill", "decode"})
      HONE_CHECK(run_in_child(a, m) == 0, "bench: workload ", m, " failed");
    return;
  }
  set_threads(a.threads);
  ProductPrecisionGuard precision(resolve_precision(a.options.precision, "--precision"));
  nlohmann::ordered_json rec;
  if (a.mode == "lora" || a.mode == "full") rec = bench_train(a.options, a.mode == "lora");
  else if (a.mode == "prefill") rec = bench_prefill(a.options);
  else if (a.mode == "decode") rec = bench_decode(a.options);
  else HONE_FAIL("--mode must be full, lora, prefill, decode or all, got '", a.mode, "'");
  std::cout << rec.dump() << std::endl;
}

void add_bench_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Measure training and inference speed and memory on the standard shapes (JSON lines)");
  cmd->footer("Compare with PyTorch side by side: bench/side_by_side.sh (see docs/performance.md).");
  auto a = std::make_shared<BenchArgs>();
  cmd->add_option("--shape", a->options.shape, "tiny or smollm2-135m")->capture_default_str();
  cmd->add_option("--mode", a->mode, "full, lora, prefill, decode, or all (each in its own process)")->capture_default_str();
  cmd->add_option("--threads", a->threads, "Threads for kernels and BLAS")->capture_default_str();
  cmd->add_option("--batch", a->options.batch, "Training batch size")->capture_default_str();
  cmd->add_option("--seq", a->options.seq, "Training sequence length")->capture_default_str();
  cmd->add_option("--steps", a->options.steps, "Timed training steps")->capture_default_str();
  cmd->add_option("--warmup", a->options.warmup, "Untimed warm-up steps")->capture_default_str();
  cmd->add_option("--prompt_len", a->options.prompt_len, "Prefill/decode prompt length")->capture_default_str();
  cmd->add_option("--new_tokens", a->options.new_tokens, "Decode: tokens to generate")->capture_default_str();
  cmd->add_option("--weights_dtype", a->options.weights_dtype, "Inference weights: f32, bf16, f16 or q8_0")->capture_default_str();
  cmd->add_option("--precision", a->options.precision,
                  "Matrix products: f32, bf16 (bf16 inputs, f32 accumulation; LoRA's frozen base stored in bf16) "
                  "or auto (bf16 where the CPU has native bf16)")
      ->capture_default_str();
  cmd->add_option("--gemm_peak_gflops", a->options.gemm_peak_gflops, "sgemm peak for MFU (../shared/bench/gemm_peak.c)")
      ->capture_default_str();
  cmd->add_flag("--gradient_checkpointing", a->options.gradient_checkpointing, "Recompute layers in backward");
  cmd->callback([a] { run_bench(*a); });
}

}  // namespace

HONE_REGISTER_VERB(bench, add_bench_verb);

}  // namespace hone::cli
