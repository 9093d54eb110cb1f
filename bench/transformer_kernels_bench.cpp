// Throughput of the transformer kernels at SmolLM2-135M-like shapes (hidden 576, 9 query heads
// and 3 kv heads of 64 dims, batch 4 x seq 256): rms_norm, rope and causal GQA attention, forward
// and backward. Prints JSON lines (json_lines.h); run with --benchmark_filter=REGEX for a subset.
#include <benchmark/benchmark.h>

#include <vector>

#include "json_lines.h"
#include "hone/tensor/kernels_attention.h"
#include "hone/tensor/kernels_norm.h"
#include "hone/tensor/kernels_rope.h"
#include "hone/util/rng.h"

namespace hone::bench {
namespace {

constexpr int64_t kBatch = 4, kSeq = 256, kHidden = 576, kHeads = 9, kKvHeads = 3, kHeadDim = 64;
constexpr int64_t kTokens = kBatch * kSeq;
constexpr double kMinTime = 0.2;  // seconds per measurement: keeps the run short

std::vector<float> random_values(int64_t n, uint64_t seed, float lo = -1.f, float hi = 1.f) {
  std::vector<float> v(static_cast<size_t>(n));
  Rng rng(seed, 21);
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = lo + (hi - lo) * rng.uniform(uint64_t(i));
  return v;
}

void set_rate(benchmark::State& state, const char* name, double per_iteration) {
  state.counters[name] = benchmark::Counter(per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_rms_norm_forward(benchmark::State& state) {
  const auto x = random_values(kTokens * kHidden, 1), w = random_values(kHidden, 2, 0.5f, 1.5f);
  std::vector<float> y(x.size()), rstd(static_cast<size_t>(kTokens));
  for (auto _ : state) {
    kernels::rms_norm<float>(x.data(), w.data(), y.data(), rstd.data(), kTokens, kHidden, 1e-5);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * 2 * kTokens * kHidden * int64_t(sizeof(float)));
  set_rate(state, "tokens/s", double(kTokens));
}
BENCHMARK(BM_rms_norm_forward)->UseRealTime()->MinTime(kMinTime);

void BM_rms_norm_backward(benchmark::State& state) {
  const auto x = random_values(kTokens * kHidden, 3), w = random_values(kHidden, 4, 0.5f, 1.5f);
  const auto dy = random_values(kTokens * kHidden, 5);
  std::vector<float> y(x.size()), rstd(static_cast<size_t>(kTokens)), dx(x.size()), dw(static_cast<size_t>(kHidden));
  kernels::rms_norm<float>(x.data(), w.data(), y.data(), rstd.data(), kTokens, kHidden, 1e-5);
  for (auto _ : state) {
    kernels::rms_norm_backward<float>(x.data(), w.data(), rstd.data(), dy.data(), dx.data(), dw.data(), kTokens,
                                      kHidden);
    benchmark::DoNotOptimize(dx.data());
    benchmark::DoNotOptimize(dw.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * 3 * kTokens * kHidden * int64_t(sizeof(float)));
  set_rate(state, "tokens/s", double(kTokens));
}
BENCHMARK(BM_rms_norm_backward)->UseRealTime()->MinTime(kMinTime);

// Rotating q [B, T, 9, 64]; backward is the same kernel rotating the other way.
void rope_bench(benchmark::State& state, RopeLayout layout, bool inverse) {
  RopeConfig config;
  config.head_dim = kHeadDim;
  config.layout = layout;
  const RopeTable table(config, kSeq);
  const auto x = random_values(kTokens * kHeads * kHeadDim, 6);
  std::vector<float> out(x.size());
  std::vector<int32_t> positions(static_cast<size_t>(kSeq));
  for (int64_t t = 0; t < kSeq; ++t) positions[size_t(t)] = int32_t(t);
  for (auto _ : state) {
    kernels::rope<float>(x.data(), out.data(), positions.data(), false, kBatch, kSeq, kHeads, table, inverse);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * 2 * int64_t(x.size() * sizeof(float)));
  set_rate(state, "tokens/s", double(kTokens));
}
void BM_rope_forward(benchmark::State& s) { rope_bench(s, RopeLayout::RotateHalf, false); }
void BM_rope_backward(benchmark::State& s) { rope_bench(s, RopeLayout::RotateHalf, true); }
void BM_rope_interleaved_forward(benchmark::State& s) { rope_bench(s, RopeLayout::Interleaved, false); }
BENCHMARK(BM_rope_forward)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_rope_backward)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_rope_interleaved_forward)->UseRealTime()->MinTime(kMinTime);

struct AttentionInputs {
  kernels::AttentionDims dims{kBatch, kSeq, kSeq, kHeads, kKvHeads, kHeadDim};
  std::vector<float> q = random_values(kTokens * kHeads * kHeadDim, 7);
  std::vector<float> k = random_values(kTokens * kKvHeads * kHeadDim, 8);
  std::vector<float> v = random_values(kTokens * kKvHeads * kHeadDim, 9);
  std::vector<float> out = std::vector<float>(q.size());
  std::vector<float> lse = std::vector<float>(static_cast<size_t>(kBatch * kHeads * kSeq));
  std::vector<int32_t> segments;  // packed: four 64-token examples per row
  kernels::AttentionMasks<float> masks;
  explicit AttentionInputs(bool packed) {
    masks.causal = true;
    if (packed) {
      for (int64_t i = 0; i < kTokens; ++i) segments.push_back(int32_t((i % kSeq) / 64));
      masks.segment_ids = segments.data();
    }
  }
};
constexpr float kScale = 0.125f;  // 1 / sqrt(64)
// Flops of the dense q k^T and p v products: causal chunks skip hidden keys, so this rate is the
// dense-equivalent one (comparable across kernel changes, not a hardware utilisation).
constexpr double kAttentionGemmFlops = 2.0 * 2.0 * kBatch * kHeads * kSeq * kSeq * kHeadDim;

void attention_forward_bench(benchmark::State& state, bool packed) {
  AttentionInputs a(packed);
  for (auto _ : state) {
    kernels::attention_forward<float>(a.q.data(), a.k.data(), a.v.data(), a.out.data(), a.lse.data(), a.dims, a.masks,
                                      kScale);
    benchmark::DoNotOptimize(a.out.data());
  }
  set_rate(state, "GFLOP/s", 1e-9 * kAttentionGemmFlops);
  set_rate(state, "tokens/s", double(kTokens));
}

void attention_backward_bench(benchmark::State& state, bool packed) {
  AttentionInputs a(packed);
  kernels::attention_forward<float>(a.q.data(), a.k.data(), a.v.data(), a.out.data(), a.lse.data(), a.dims, a.masks,
                                    kScale);
  const auto dout = random_values(int64_t(a.q.size()), 10);
  std::vector<float> dq(a.q.size()), dk(a.k.size()), dv(a.v.size());
  for (auto _ : state) {
    kernels::attention_backward<float>(a.q.data(), a.k.data(), a.v.data(), a.lse.data(), dout.data(), dq.data(),
                                       dk.data(), dv.data(), a.dims, a.masks, kScale);
    benchmark::DoNotOptimize(dq.data());
  }
  // Backward recomputes the scores and runs four more products: 5/2 of forward's work.
  set_rate(state, "GFLOP/s", 1e-9 * kAttentionGemmFlops * 2.5);
  set_rate(state, "tokens/s", double(kTokens));
}
void BM_attention_forward(benchmark::State& s) { attention_forward_bench(s, false); }
void BM_attention_backward(benchmark::State& s) { attention_backward_bench(s, false); }
void BM_attention_packed_forward(benchmark::State& s) { attention_forward_bench(s, true); }
void BM_attention_packed_backward(benchmark::State& s) { attention_backward_bench(s, true); }
BENCHMARK(BM_attention_forward)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_attention_backward)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_attention_packed_forward)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_attention_packed_backward)->UseRealTime()->MinTime(kMinTime);

}  // namespace
}  // namespace hone::bench

HONE_BENCHMARK_MAIN()
