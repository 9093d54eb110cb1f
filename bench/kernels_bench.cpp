// Throughput of hone's CPU kernels at LLM shapes (SmolLM2-135M-like: hidden 576, MLP 1536,
// vocabulary 49152): sgemm GFLOP/s for prefill (1024 tokens) and decode (1 token), and bytes or
// items per second for the element-wise kernels, reductions, softmax, embedding and
// cross-entropy (plain, and fused with the lm_head product). Prints JSON lines
// (json_lines.h); run with --benchmark_filter=REGEX to pick a subset.
#include <benchmark/benchmark.h>

#include <vector>

#include "json_lines.h"
#include "hone/tensor/kernels_elementwise.h"
#include "hone/tensor/kernels_embedding.h"
#include "hone/tensor/kernels_loss.h"
#include "hone/tensor/kernels_matmul.h"
#include "hone/tensor/kernels_reduce.h"
#include "hone/tensor/kernels_softmax.h"
#include "hone/util/rng.h"

namespace hone::bench {
namespace {

constexpr int64_t kVocab = 49152, kHidden = 576, kMlp = 1536;
constexpr int64_t kElementwiseN = int64_t(1) << 22;  // 16 MiB per f32 operand: out of cache
constexpr double kMinTime = 0.2;                      // seconds per measurement: keeps the run short

std::vector<float> random_values(int64_t n, uint64_t seed, float lo = -1.f, float hi = 1.f) {
  std::vector<float> v(static_cast<size_t>(n));
  Rng rng(seed, 11);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = lo + (hi - lo) * rng.uniform(uint64_t(i));
  return v;
}

std::vector<int32_t> random_ids(int64_t n, int64_t high, uint64_t seed) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  Rng rng(seed, 12);
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = int32_t(int64_t(rng.uniform(uint64_t(i)) * float(high)) % high);
  return v;
}

void set_rate(benchmark::State& state, const char* name, double per_iteration) {
  state.counters[name] = benchmark::Counter(per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

// y = x @ W^T as a linear layer computes it: x [M, K], W [N, K].
void BM_sgemm(benchmark::State& state) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  const auto x = random_values(M * K, 1), w = random_values(N * K, 2);
  std::vector<float> y(static_cast<size_t>(M * N));
  for (auto _ : state) {
    kernels::gemm<float>(false, true, M, N, K, 1.f, x.data(), K, w.data(), K, 0.f, y.data(), N);
    benchmark::DoNotOptimize(y.data());
  }
  set_rate(state, "GFLOP/s", 2e-9 * double(M) * double(N) * double(K));
}
void sgemm_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "K", "N"});
  for (int64_t M : {int64_t(1024), int64_t(1)})
    for (auto [K, N] : {std::pair{kHidden, kHidden}, std::pair{kHidden, kMlp}, std::pair{kMlp, kHidden},
                        std::pair{kHidden, kVocab}})
      b->Args({M, K, N});
}
BENCHMARK(BM_sgemm)->Apply(sgemm_shapes)->UseRealTime()->MinTime(kMinTime);

// Element-wise kernels: `operands` arrays of n floats touched per call (reads + writes).
template <class Body>
void elementwise(benchmark::State& state, int operands, Body body) {
  const int64_t n = kElementwiseN;
  const auto a = random_values(n, 3, -4.f, 4.f), b = random_values(n, 4);
  std::vector<float> out(static_cast<size_t>(n));
  for (auto _ : state) {
    body(a.data(), b.data(), out.data(), n);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * n * operands * int64_t(sizeof(float)));
  state.SetItemsProcessed(int64_t(state.iterations()) * n);
}

void BM_add(benchmark::State& s) { elementwise(s, 3, [](auto* a, auto* b, auto* o, int64_t n) { kernels::add(a, b, o, n, n); }); }
void BM_add_bias(benchmark::State& s) {
  elementwise(s, 2, [](auto* a, auto* b, auto* o, int64_t n) { kernels::add(a, b, o, n, kHidden * 4); });
}
void BM_sub(benchmark::State& s) { elementwise(s, 3, [](auto* a, auto* b, auto* o, int64_t n) { kernels::sub(a, b, o, n, n); }); }
void BM_mul(benchmark::State& s) { elementwise(s, 3, [](auto* a, auto* b, auto* o, int64_t n) { kernels::mul(a, b, o, n, n); }); }
void BM_scale(benchmark::State& s) { elementwise(s, 2, [](auto* a, auto*, auto* o, int64_t n) { kernels::scale(a, 0.5f, o, n); }); }
void BM_axpy(benchmark::State& s) { elementwise(s, 3, [](auto* a, auto*, auto* o, int64_t n) { kernels::axpy(0.5f, a, o, n); }); }
void BM_exp(benchmark::State& s) { elementwise(s, 2, [](auto* a, auto*, auto* o, int64_t n) { kernels::exp(a, o, n); }); }
void BM_silu(benchmark::State& s) { elementwise(s, 2, [](auto* a, auto*, auto* o, int64_t n) { kernels::silu(a, o, n); }); }
void BM_silu_backward(benchmark::State& s) {
  elementwise(s, 3, [](auto* a, auto* b, auto* o, int64_t n) { kernels::silu_backward(a, b, o, n); });
}
void BM_gelu_tanh(benchmark::State& s) { elementwise(s, 2, [](auto* a, auto*, auto* o, int64_t n) { kernels::gelu_tanh(a, o, n); }); }
void BM_gelu_tanh_backward(benchmark::State& s) {
  elementwise(s, 3, [](auto* a, auto* b, auto* o, int64_t n) { kernels::gelu_tanh_backward(a, b, o, n); });
}
BENCHMARK(BM_add)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_add_bias)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_sub)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_mul)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_scale)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_axpy)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_exp)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_silu)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_silu_backward)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_gelu_tanh)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_gelu_tanh_backward)->UseRealTime()->MinTime(kMinTime);

// Reductions and softmax over [rows, cols] (attention-score-like rows of 4096).
constexpr int64_t kRows = 1024, kCols = 4096;

template <class Body>
void rowwise(benchmark::State& state, int operands, Body body) {
  const auto x = random_values(kRows * kCols, 5, -6.f, 6.f), g = random_values(kRows * kCols, 6);
  std::vector<float> out(static_cast<size_t>(kRows * kCols));
  std::vector<int32_t> argmax(static_cast<size_t>(kRows));
  for (auto _ : state) {
    body(x.data(), g.data(), out.data(), argmax.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * kRows * kCols * operands * int64_t(sizeof(float)));
  state.SetItemsProcessed(int64_t(state.iterations()) * kRows * kCols);
}

void BM_sum_all(benchmark::State& s) {
  rowwise(s, 1, [](auto* x, auto*, auto* o, auto*) { o[0] = kernels::sum_all(x, kRows * kCols); });
}
void BM_sum_last(benchmark::State& s) {
  rowwise(s, 1, [](auto* x, auto*, auto* o, auto*) { kernels::sum_last(x, o, kRows, kCols); });
}
void BM_max_last(benchmark::State& s) {
  rowwise(s, 1, [](auto* x, auto*, auto* o, auto* am) { kernels::max_last(x, o, am, kRows, kCols); });
}
void BM_softmax(benchmark::State& s) {
  rowwise(s, 2, [](auto* x, auto*, auto* o, auto*) { kernels::softmax(x, o, kRows, kCols); });
}
void BM_log_softmax(benchmark::State& s) {
  rowwise(s, 2, [](auto* x, auto*, auto* o, auto*) { kernels::log_softmax(x, o, kRows, kCols); });
}
void BM_softmax_backward(benchmark::State& s) {
  rowwise(s, 3, [](auto* x, auto* g, auto* o, auto*) { kernels::softmax_backward(x, g, o, kRows, kCols); });
}
BENCHMARK(BM_sum_all)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_sum_last)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_max_last)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_softmax)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_log_softmax)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_softmax_backward)->UseRealTime()->MinTime(kMinTime);

// Embedding: 2048 tokens from a [49152, 576] table; bytes are the rows read and written.
constexpr int64_t kTokens = 2048;

void BM_embedding_gather(benchmark::State& state) {
  const auto table = random_values(kVocab * kHidden, 7);
  const auto ids = random_ids(kTokens, kVocab, 8);
  std::vector<float> out(static_cast<size_t>(kTokens * kHidden));
  for (auto _ : state) {
    kernels::embedding_gather(table.data(), DType::F32, kHidden, ids.data(), kTokens, out.data(), DType::F32);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * kTokens * kHidden * 2 * int64_t(sizeof(float)));
  state.SetItemsProcessed(int64_t(state.iterations()) * kTokens);
}
void BM_embedding_scatter_add(benchmark::State& state) {
  const auto grad = random_values(kTokens * kHidden, 9);
  const auto ids = random_ids(kTokens, 512, 10);  // few distinct ids: heavy repetition
  std::vector<float> table(static_cast<size_t>(kVocab * kHidden), 0.f);
  for (auto _ : state) {
    kernels::embedding_scatter_add(grad.data(), ids.data(), kTokens, kHidden, table.data(), kVocab);
    benchmark::DoNotOptimize(table.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * kTokens * kHidden * 3 * int64_t(sizeof(float)));
  state.SetItemsProcessed(int64_t(state.iterations()) * kTokens);
}
BENCHMARK(BM_embedding_gather)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_embedding_scatter_add)->UseRealTime()->MinTime(kMinTime);

// Cross-entropy over a 49152-entry vocabulary, on materialised logits and fused with the
// lm_head product (items are tokens). A tenth of the labels are ignored, as prompts would be.
constexpr int64_t kLossTokens = 256;

std::vector<int32_t> loss_labels() {
  auto labels = random_ids(kLossTokens, kVocab, 11);
  for (int64_t i = 0; i < kLossTokens; i += 10) labels[size_t(i)] = -100;
  return labels;
}

void BM_cross_entropy_forward_backward(benchmark::State& state) {
  const auto logits = random_values(kLossTokens * kVocab, 12, -8.f, 8.f);
  const auto labels = loss_labels();
  std::vector<float> lse(kLossTokens), row_loss(kLossTokens), dlogits(static_cast<size_t>(kLossTokens * kVocab));
  for (auto _ : state) {
    kernels::cross_entropy_forward(logits.data(), labels.data(), kLossTokens, kVocab, -100, lse.data(),
                                   row_loss.data());
    kernels::cross_entropy_backward(logits.data(), labels.data(), lse.data(), kLossTokens, kVocab, -100, 1.f,
                                    dlogits.data());
    benchmark::DoNotOptimize(dlogits.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * kLossTokens * kVocab * 3 * int64_t(sizeof(float)));
  state.SetItemsProcessed(int64_t(state.iterations()) * kLossTokens);
}

// Unfused reference for the fused op below: the full logits, then cross-entropy, then the two
// backward products.
void BM_lm_head_then_cross_entropy(benchmark::State& state) {
  const int64_t N = kLossTokens, D = kHidden, V = kVocab;
  const auto hidden = random_values(N * D, 13), weight = random_values(V * D, 14, -0.05f, 0.05f);
  const auto labels = loss_labels();
  std::vector<float> logits(static_cast<size_t>(N * V)), lse(N), row_loss(N), dh(static_cast<size_t>(N * D));
  std::vector<float> dw(static_cast<size_t>(V * D));
  for (auto _ : state) {
    kernels::gemm<float>(false, true, N, V, D, 1.f, hidden.data(), D, weight.data(), D, 0.f, logits.data(), V);
    kernels::cross_entropy_forward(logits.data(), labels.data(), N, V, -100, lse.data(), row_loss.data());
    kernels::cross_entropy_backward(logits.data(), labels.data(), lse.data(), N, V, -100, 1.f, logits.data());
    kernels::gemm<float>(false, false, N, D, V, 1.f, logits.data(), V, weight.data(), D, 0.f, dh.data(), D);
    kernels::gemm<float>(true, false, V, D, N, 1.f, logits.data(), V, hidden.data(), D, 0.f, dw.data(), D);
    benchmark::DoNotOptimize(dw.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * N);
  state.counters["logits_bytes"] = double(N * V) * sizeof(float);
}

void BM_linear_cross_entropy_fused(benchmark::State& state) {
  const int64_t N = kLossTokens, D = kHidden, V = kVocab;
  const auto hidden = random_values(N * D, 13), weight = random_values(V * D, 14, -0.05f, 0.05f);
  const auto labels = loss_labels();
  std::vector<float> lse(N), row_loss(N), dh(static_cast<size_t>(N * D)), dw(static_cast<size_t>(V * D));
  const int64_t chunk = kernels::cross_entropy_chunk_rows(0, V, sizeof(float));
  for (auto _ : state) {
    kernels::linear_cross_entropy_forward_backward(hidden.data(), weight.data(), labels.data(), N, D, V, -100, 0,
                                                   1.f, lse.data(), row_loss.data(), dh.data(), dw.data());
    benchmark::DoNotOptimize(dw.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * N);
  state.counters["logits_bytes"] = double(std::min(chunk, N) * V) * sizeof(float);
}
BENCHMARK(BM_cross_entropy_forward_backward)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_lm_head_then_cross_entropy)->UseRealTime()->MinTime(kMinTime);
BENCHMARK(BM_linear_cross_entropy_fused)->UseRealTime()->MinTime(kMinTime);

}  // namespace
}  // namespace hone::bench

HONE_BENCHMARK_MAIN();
