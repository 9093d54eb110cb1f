#include "hone/tools/bench_workloads.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "hone/autograd/grad_mode.h"
#include "hone/eval/generate.h"
#include "hone/model/decoder_model.h"
#include "hone/model/frozen_weights.h"
#include "hone/optim/adamw.h"
#include "hone/optim/optimizer_registry.h"
#include "hone/peft/lora/config.h"
#include "hone/peft/registry.h"
#include "hone/tensor/allocator.h"
#include "hone/tensor/product_precision.h"
#include "hone/train/train_step.h"
#include "hone/util/rng.h"
#include "hone/util/threads.h"
#include "hone/util/timer.h"

namespace hone {

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

nlohmann::ordered_json summary(const std::vector<double>& t) {
  return {{"median", median(t)},
          {"mean", std::accumulate(t.begin(), t.end(), 0.0) / double(t.size())},
          {"min", *std::min_element(t.begin(), t.end())},
          {"max", *std::max_element(t.begin(), t.end())}};
}

Tensor random_tokens(int64_t batch, int64_t seq, int64_t vocab, uint64_t seed) {
  Tensor t = Tensor::empty({batch, seq}, DType::I32);
  const Rng rng(seed, 77);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<int32_t>()[i] = int32_t(rng.bits(uint64_t(i)) % uint64_t(vocab));
  return t;
}

// Matmul parameters as the reference counts them: non-embedding linear weights, and the head.
struct Counts {
  double nonembed_linear, head;
};
Counts counts(const DecoderConfig& c) {
  const double d = double(c.hidden_size), q = double(c.num_heads * c.head_dim), kv = double(c.num_kv_heads * c.head_dim);
  const double per_layer = d * q + 2 * d * kv + q * d + 3 * d * double(c.intermediate_size);
  return {double(c.num_layers) * per_layer, d * double(c.vocab_size)};
}
double attn_fwd_flops_per_token(const DecoderConfig& c, double ctx) {
  return 4.0 * double(c.num_layers) * ctx * double(c.num_heads * c.head_dim);
}

std::unique_ptr<DecoderModel> random_model(const DecoderConfig& c, uint64_t seed) {
  auto m = std::make_unique<DecoderModel>(c);
  m->init_random(seed);
  return m;
}

nlohmann::ordered_json header(const char* measurement, const BenchOptions& o) {
  return {{"measurement", measurement}, {"engine", "hone"}, {"shape", o.shape}, {"threads", threads()},
          {"precision", precision_name(product_precision())}};
}

}  // namespace

DecoderConfig bench_shape(const std::string& name) {
  DecoderConfig c;
  c.model_type = "llama";
  c.rms_norm_eps = 1e-5;
  if (name == "tiny") {
    c.hidden_size = 256, c.num_layers = 4, c.num_heads = 8, c.num_kv_heads = 4, c.intermediate_size = 688;
    c.vocab_size = 8192, c.tie_word_embeddings = false, c.rope.theta = 10000;
  } else if (name == "smollm2-135m" || name == "smollm2") {
    c.hidden_size = 576, c.num_layers = 30, c.num_heads = 9, c.num_kv_heads = 3, c.intermediate_size = 1536;
    c.vocab_size = 49152, c.tie_word_embeddings = true, c.rope.theta = 100000;
  } else {
    HONE_FAIL("unknown bench shape '", name, "' (expected tiny or smollm2-135m)");
  }
  c.head_dim = c.hidden_size / c.num_heads;
  c.rope.head_dim = c.head_dim;
  c.max_position_embeddings = 2048;
  return c;
}

nlohmann::ordered_json bench_train(const BenchOptions& o, bool lora) {
  const DecoderConfig c = bench_shape(o.shape);
  auto model = random_model(c, o.seed);
  std::unique_ptr<Adapter> adapters;
  std::vector<Tensor> params;
  if (lora) {
    LoraConfig lc;
    lc.r = o.lora_r;
    lc.alpha = o.lora_alpha;
    lc.target_modules = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    AttachOptions attach;
    attach.seed = o.seed;
    adapters = attach_adapter("lora", *model, &lc, attach);
    for (const auto& [name, t] : adapters->trainable_tensors()) params.push_back(t);
    if (product_precision() == Precision::BF16) store_frozen_projections(*model, DType::BF16);
  } else {
    for (auto& [name, t] : model->named_parameters()) {
      t->set_requires_grad(true);
      params.push_back(*t);
    }
  }
  auto opt = make_optimizer("adamw", AdamWOptions{}, {ParamGroup{"all", params, 0.0, 1.0}});
  // The step the trainer runs, with what PyTorch's reference step does: no clipping (nor
  // measuring the norm), one micro-batch, a constant learning rate.
  TrainStepOptions step_options;
  step_options.measure_grad_norm = false;
  step_options.checkpoint_layers = o.gradient_checkpointing;
  TrainStep train_step(*model, *opt, params, step_options);
  Batch batch;
  batch.ids = batch.labels = random_tokens(o.batch, o.seq, c.vocab_size, o.seed + 1);
  batch.scored_tokens = o.batch * (o.seq - 1);  // every label after the one-token shift
  batch.real_tokens = o.batch * o.seq;
  batch.examples = o.batch;
  const std::vector<Batch> micro{batch};
  const double rss_model = double(resident_bytes()) / (1 << 20);
  std::vector<double> times, fwd_times, bwd_times, opt_times;
  double loss_first = 0, loss_last = 0;
  for (int64_t step = 0; step < o.warmup + o.steps; ++step) {
    Timer t;
    const StepResult r = train_step.run(step + 1, 1e-4, micro);
    const double elapsed = t.seconds();
    loss_last = r.loss;
    if (step == 0) loss_first = loss_last;
    if (step >= o.warmup) {
      times.push_back(elapsed);
      fwd_times.push_back(r.forward_s);
      bwd_times.push_back(r.backward_s);
      opt_times.push_back(r.update_s);
    }
  }
  const Counts n = counts(c);
  const double N = n.nonembed_linear + n.head;
  const double n_lora = lora ? double(adapters->trainable_parameter_count()) : 0;
  const double attn = 3 * attn_fwd_flops_per_token(c, double(o.seq));
  const double flops_tok = lora ? 4 * N + 6 * n_lora + attn : 6 * N + attn;
  const double tps = double(o.batch * o.seq) / median(times);
  auto rec = header("train", o);
  rec["mode"] = lora ? "lora" : "full";
  rec["dtype"] = "float32";  // master weights and optimizer state; "precision" says how products run
  rec["batch"] = o.batch;
  rec["seq"] = o.seq;
  rec["gradient_checkpointing"] = o.gradient_checkpointing;
  rec["params_trainable"] = lora ? int64_t(n_lora) : c.parameter_count();
  rec["flops_per_token"] = flops_tok;
  rec["step_time_s"] = summary(times);
  rec["phase_median_s"] = {{"forward_loss", median(fwd_times)}, {"backward", median(bwd_times)}, {"optimizer", median(opt_times)}};
  rec["tokens_per_s"] = tps;
  rec["achieved_gflops"] = flops_tok * tps / 1e9;
  rec["mfu_vs_gemm_peak"] = flops_tok * tps / (o.gemm_peak_gflops * 1e9);
  rec["loss_first"] = loss_first;
  rec["loss_last"] = loss_last;
  rec["rss_after_init_mb"] = rss_model;
  rec["peak_rss_mb"] = double(peak_resident_bytes()) / (1 << 20);
  rec["tensor_peak_mb"] = double(memory_stats().peak_bytes) / (1 << 20);
  return rec;
}

namespace {
void narrow_weights(DecoderModel& model, const std::string& dtype) {
  if (dtype == "f32") return;
  const DType d = dtype_from_name(dtype);
  HONE_CHECK(d == DType::BF16 || d == DType::F16 || d == DType::Q8_0,
             "--weights_dtype must be f32, bf16, f16 or q8_0, got ", dtype);
  // Every matrix, the embedding table (and so a tied head) included, as llama.cpp stores a
  // converted model: the lookup dequantises the rows it gathers, the head is a q8_0 product.
  // Rows that are not whole q8_0 blocks (tiny's 688-wide down_proj) fall back to f16, as
  // llama.cpp's converter does.
  for (auto& [name, t] : model.named_parameters()) {
    if (t->rank() != 2) continue;
    const DType target = t->dim(1) % dtype_info(d).block_size == 0 ? d : DType::F16;
    *t = t->to(target).set_name(name);
  }
}
}  // namespace

nlohmann::ordered_json bench_prefill(const BenchOptions& o) {
  const DecoderConfig c = bench_shape(o.shape);
  auto model = random_model(c, o.seed);
  narrow_weights(*model, o.weights_dtype);
  NoGradGuard no_grad;
  const Tensor prompt = random_tokens(1, o.prompt_len, c.vocab_size, o.seed + 2);
  std::vector<double> times;
  for (int64_t rep = 0; rep < o.infer_warmup + o.infer_reps; ++rep) {
    KvCache cache = model->make_cache(1, o.prompt_len + o.new_tokens + 1);
    ForwardOptions fwd;
    fwd.cache = &cache;
    Timer t;
    last_position_logits(*model, model->hidden_states(prompt, fwd));
    if (rep >= o.infer_warmup) times.push_back(t.seconds());
  }
  const Counts n = counts(c);
  const double T = double(o.prompt_len);
  const double flops_tok = 2 * n.nonembed_linear + 2 * n.head / T + attn_fwd_flops_per_token(c, T);
  const double tps = T / median(times);
  auto rec = header("prefill", o);
  rec["weights_dtype"] = o.weights_dtype;
  rec["batch"] = 1;
  rec["prompt_len"] = o.prompt_len;
  rec["time_s"] = summary(times);
  rec["tokens_per_s"] = tps;
  rec["achieved_gflops"] = flops_tok * tps / 1e9;
  rec["mfu_vs_gemm_peak"] = flops_tok * tps / (o.gemm_peak_gflops * 1e9);
  rec["peak_rss_mb"] = double(peak_resident_bytes()) / (1 << 20);
  return rec;
}

nlohmann::ordered_json bench_decode(const BenchOptions& o) {
  const DecoderConfig c = bench_shape(o.shape);
  auto model = random_model(c, o.seed);
  narrow_weights(*model, o.weights_dtype);
  const Tensor prompt = random_tokens(1, o.prompt_len, c.vocab_size, o.seed + 2);
  std::vector<int32_t> ids(prompt.data<int32_t>(), prompt.data<int32_t>() + o.prompt_len);
  std::vector<double> times;
  for (int64_t rep = 0; rep < o.infer_warmup + o.infer_reps; ++rep) {
    GenerationOptions g;
    g.max_new_tokens = rep >= o.infer_warmup ? o.new_tokens : std::min<int64_t>(8, o.new_tokens);
    const GenerationResult r = generate(*model, ids, g);
    if (rep >= o.infer_warmup) times.push_back(r.decode_seconds);
  }
  // generate() times the new tokens after the first (which comes from the prefill's logits).
  const double per_token = median(times) / double(std::max<int64_t>(1, o.new_tokens - 1));
  const Counts n = counts(c);
  const double mean_ctx = double(o.prompt_len) + double(o.new_tokens + 1) / 2;
  const double flops_tok = 2 * (n.nonembed_linear + n.head) + attn_fwd_flops_per_token(c, mean_ctx);
  auto rec = header("decode", o);
  rec["weights_dtype"] = o.weights_dtype;
  rec["batch"] = 1;
  rec["prompt_len"] = o.prompt_len;
  rec["new_tokens"] = o.new_tokens;
  rec["time_s"] = summary(times);
  rec["tokens_per_s"] = 1.0 / per_token;
  rec["ms_per_token"] = 1000 * per_token;
  rec["achieved_gflops"] = flops_tok / per_token / 1e9;
  rec["weight_bytes_per_token"] = 4 * (n.nonembed_linear + n.head);
  rec["peak_rss_mb"] = double(peak_resident_bytes()) / (1 << 20);
  return rec;
}

}  // namespace hone
