#include "hone/eval/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "hone/util/error.h"

namespace hone {

void SamplingOptions::validate() const {
  HONE_CHECK(temperature >= 0 && std::isfinite(temperature), "--temperature must be >= 0, got ", temperature);
  HONE_CHECK(top_k >= 0, "--top_k must be >= 0, got ", top_k);
  HONE_CHECK(top_p > 0 && top_p <= 1, "--top_p must be in (0, 1], got ", top_p);
}

Sampler::Sampler(const SamplingOptions& options) : options_(options), rng_(options.seed, /*stream=*/0x5a3) {
  options_.validate();
}

int32_t Sampler::next(const float* logits, int64_t vocab) {
  HONE_CHECK(vocab > 0, "sampler: empty vocabulary");
  if (options_.temperature == 0.0) {
    return int32_t(std::max_element(logits, logits + vocab) - logits);  // first maximum, as torch.argmax
  }
  // Candidates sorted by logit, highest first (stable: ties keep the lower id first).
  std::vector<int32_t> order(static_cast<size_t>(vocab));
  std::iota(order.begin(), order.end(), 0);
  size_t keep = order.size();
  if (options_.top_k > 0 && size_t(options_.top_k) < keep) {
    keep = size_t(options_.top_k);
    std::partial_sort(order.begin(), order.begin() + long(keep), order.end(),
                      [&](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
  } else {
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  }
  order.resize(keep);
  // exp((logit - top) / T): the difference first, then the scale. Scaling first overflows for a
  // tiny T (1 / 1e-320 is inf, and inf - inf is NaN); this way a gap times inf is -inf, exp 0,
  // and the top logit's own term is exactly 1, so T -> 0 approaches greedy decoding.
  const double inv_t = 1.0 / options_.temperature;
  const double top = double(logits[order[0]]);
  std::vector<double> probs(keep);
  double total = 0;
  for (size_t i = 0; i < keep; ++i) {
    const double gap = double(logits[order[i]]) - top;
    total += probs[i] = gap == 0 ? 1.0 : std::exp(gap * inv_t);
  }
  if (options_.top_p < 1.0) {
    // Smallest prefix whose mass reaches top_p; the most likely token always stays.
    double mass = 0;
    size_t n = 0;
    while (n < keep) {
      mass += probs[n] / total;
      ++n;
      if (mass >= options_.top_p) break;
    }
    keep = n;
    total = std::accumulate(probs.begin(), probs.begin() + long(keep), 0.0);
  }
  const double u = double(rng_.next_uniform()) * total;
  double acc = 0;
  for (size_t i = 0; i < keep; ++i) {
    acc += probs[i];
    if (u < acc) return order[i];
  }
  return order[keep - 1];
}

}  // namespace hone
