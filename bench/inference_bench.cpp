// Inference throughput on the standard shapes of ../shared/bench/README.md (random weights, f32):
// prefill (batch 1, a 256-token prompt, logits of the last position only, KV cache filled) and
// greedy decode (64 new tokens after the prompt, KV cache), measured as torch_llama_bench.py
// --mode infer measures them, one JSON line per measurement so the two can be put side by side.
//
//   build/bench/inference_bench [--shape tiny|smollm2-135m|all] [--threads 2] [--reps 3]
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "hone/autograd/grad_mode.h"
#include "hone/eval/generate.h"
#include "hone/model/decoder_model.h"
#include "hone/tensor/allocator.h"
#include "hone/util/rng.h"
#include "hone/util/threads.h"
#include "hone/util/timer.h"

namespace {

using hone::DecoderConfig;
using hone::DecoderModel;
using hone::Tensor;

struct Args {
  std::string shape = "all";
  int threads = 2, warmup = 1, reps = 3;
  int64_t prompt_len = 256, new_tokens = 64;
};

DecoderConfig shape_config(const std::string& shape) {
  DecoderConfig c;
  c.rms_norm_eps = 1e-5;
  if (shape == "tiny") {
    c.hidden_size = 256, c.num_layers = 4, c.num_heads = 8, c.num_kv_heads = 4, c.intermediate_size = 688;
    c.vocab_size = 8192, c.tie_word_embeddings = false, c.rope.theta = 10000.0;
  } else if (shape == "smollm2-135m") {
    c.hidden_size = 576, c.num_layers = 30, c.num_heads = 9, c.num_kv_heads = 3, c.intermediate_size = 1536;
    c.vocab_size = 49152, c.tie_word_embeddings = true, c.rope.theta = 100000.0;
  } else {
    std::cerr << "inference_bench: unknown --shape '" << shape << "' (tiny, smollm2-135m or all)\n";
    std::exit(2);
  }
  c.head_dim = c.hidden_size / c.num_heads;
  c.rope.head_dim = c.head_dim;
  c.max_position_embeddings = 2048;
  return c;
}

nlohmann::json summary(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  const size_t n = times.size();
  const double median = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  return {{"median", median}, {"min", times.front()}, {"max", times.back()}};
}

int32_t argmax(const Tensor& logits) {
  const float* l = logits.data<float>();
  return int32_t(std::max_element(l, l + logits.numel()) - l);
}

void bench_shape(const std::string& shape, const Args& args) {
  hone::NoGradGuard no_grad;
  DecoderModel model(shape_config(shape));
  model.init_random(0);
  const int64_t T = args.prompt_len, vocab = model.config().vocab_size;
  std::vector<int32_t> prompt_ids(static_cast<size_t>(T));
  hone::Rng rng(1, 0);
  for (int64_t i = 0; i < T; ++i) prompt_ids[size_t(i)] = int32_t(rng.next_uniform() * float(vocab)) % int32_t(vocab);
  const Tensor prompt = Tensor::from_ints({1, T}, prompt_ids);
  const int64_t max_len = T + args.new_tokens + 1;

  std::vector<double> prefill, decode;
  for (int it = 0; it < args.warmup + args.reps; ++it) {
    hone::KvCache cache = model.make_cache(1, max_len);
    hone::ForwardOptions fwd;
    fwd.cache = &cache;
    hone::Timer timer;
    int32_t token = argmax(hone::last_position_logits(model, model.hidden_states(prompt, fwd)));
    const double prefill_s = timer.seconds();
    // Warm-up decodes only a few tokens, as the PyTorch bench does.
    const int64_t n = it >= args.warmup ? args.new_tokens : std::min<int64_t>(8, args.new_tokens);
    timer.reset();
    for (int64_t i = 0; i < n; ++i) {
      const std::vector<int32_t> one{token};
      token = argmax(hone::last_position_logits(model, model.hidden_states(Tensor::from_ints({1, 1}, one), fwd)));
    }
    const double decode_s = timer.seconds();
    if (it >= args.warmup) {
      prefill.push_back(prefill_s);
      decode.push_back(decode_s);
    }
    std::cerr << "[" << shape << "] rep " << it << ": prefill " << prefill_s << " s, decode " << n << " tokens " << decode_s
              << " s\n";
  }
  const auto p = summary(prefill), d = summary(decode);
  nlohmann::ordered_json line;
  line["measurement"] = "prefill";
  line["engine"] = "hone";
  line["shape"] = shape;
  line["batch"] = 1;
  line["prompt_len"] = T;
  line["logits"] = "last";
  line["kv_cache"] = true;
  line["threads"] = hone::threads();
  line["reps"] = args.reps;
  line["time_s"] = p;
  line["tokens_per_s"] = double(T) / p["median"].get<double>();
  line["tokens_per_s_best"] = double(T) / p["min"].get<double>();
  line["peak_rss_mb"] = double(hone::peak_resident_bytes()) / (1 << 20);
  std::cout << line.dump() << std::endl;
  line = {};
  line["measurement"] = "decode";
  line["engine"] = "hone";
  line["shape"] = shape;
  line["batch"] = 1;
  line["prompt_len"] = T;
  line["new_tokens"] = args.new_tokens;
  line["sampling"] = "greedy";
  line["kv_cache"] = true;
  line["threads"] = hone::threads();
  line["reps"] = args.reps;
  line["time_s"] = d;
  line["tokens_per_s"] = double(args.new_tokens) / d["median"].get<double>();
  line["tokens_per_s_best"] = double(args.new_tokens) / d["min"].get<double>();
  line["ms_per_token"] = 1000 * d["median"].get<double>() / double(args.new_tokens);
  line["peak_rss_mb"] = double(hone::peak_resident_bytes()) / (1 << 20);
  std::cout << line.dump() << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "inference_bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--shape") args.shape = value();
    else if (a == "--threads") args.threads = std::atoi(value().c_str());
    else if (a == "--reps") args.reps = std::max(1, std::atoi(value().c_str()));
    else if (a == "--warmup") args.warmup = std::max(0, std::atoi(value().c_str()));
    else if (a == "--prompt-len") args.prompt_len = std::max(1, std::atoi(value().c_str()));
    else if (a == "--new-tokens") args.new_tokens = std::max(1, std::atoi(value().c_str()));
    else {
      std::cerr << "usage: inference_bench [--shape tiny|smollm2-135m|all] [--threads N] [--reps N] [--warmup N] "
                   "[--prompt-len N] [--new-tokens N]\n";
      return a == "--help" ? 0 : 2;
    }
  }
  hone::set_threads(args.threads);
  try {
    for (const std::string shape : {"tiny", "smollm2-135m"})
      if (args.shape == "all" || args.shape == shape) bench_shape(shape, args);
    if (args.shape != "all") shape_config(args.shape);  // an unknown name is reported
  } catch (const hone::Error& e) {
    std::cerr << "inference_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
