// The standard performance workloads of ../shared/bench/README.md, run on random weights and
// random tokens: LoRA and full fine-tuning steps (batch x seq, AdamW, through the trainer's own
// TrainStep), prefill (one prompt, KV cache filled, logits of the last position) and greedy
// decode with the KV cache. Each returns
// one JSON record with the same field names as the PyTorch reference (torch_llama_bench.py), so
// the side-by-side script can divide one by the other.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "hone/model/decoder_config.h"

namespace hone {

struct BenchOptions {
  std::string shape = "tiny";  // tiny | smollm2-135m
  int64_t batch = 4, seq = 256;
  int64_t warmup = 3, steps = 10;         // training steps
  int64_t lora_r = 16;
  double lora_alpha = 32;
  int64_t prompt_len = 256, new_tokens = 64;
  int64_t infer_warmup = 1, infer_reps = 5;
  double gemm_peak_gflops = 134.3;        // measured with ../shared/bench/gemm_peak.c
  bool gradient_checkpointing = false;
  std::string weights_dtype = "f32";      // inference: f32, bf16 or f16 storage of the weights
  std::string precision = "auto";         // products: f32, bf16 or auto (as the recipe key)
  uint64_t seed = 0;
};

// The decoder for a standard shape name (Error listing the names otherwise).
DecoderConfig bench_shape(const std::string& name);

nlohmann::ordered_json bench_train(const BenchOptions& options, bool lora);
nlohmann::ordered_json bench_prefill(const BenchOptions& options);
nlohmann::ordered_json bench_decode(const BenchOptions& options);

}  // namespace hone
