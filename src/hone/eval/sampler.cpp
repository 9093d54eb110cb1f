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
  const double inv_t = 1.0 / options_.temperature;
  const double top = double(logits[order[0]]) * inv_t;
  std::vector<double> probs(keep);
  double total = 0;
  for (size_t i = 0; i < keep; ++i) total += probs[i] = std::exp(double(logits[order[i]]) * inv_t - top);
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
