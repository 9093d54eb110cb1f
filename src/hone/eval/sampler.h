// Next-token choice from logits: greedy, or sampling with temperature, top-k and top-p
// (nucleus), applied in that order as Hugging Face's generate does. Draws come from the
// counter-based RNG, so a seed fixes the whole generation.
#pragma once

#include <cstdint>

#include "hone/util/rng.h"

namespace hone {

struct SamplingOptions {
  double temperature = 0.0;  // 0: greedy (argmax); > 0: sample from softmax(logits / T)
  int64_t top_k = 0;         // keep the k most likely tokens (0: all)
  double top_p = 1.0;        // keep the smallest set whose probability reaches p (1: all)
  uint64_t seed = 0;

  void validate() const;  // Error naming the option when out of range
};

class Sampler {
 public:
  explicit Sampler(const SamplingOptions& options);
  // Picks a token id from logits[0..vocab).
  int32_t next(const float* logits, int64_t vocab);

 private:
  SamplingOptions options_;
  Rng rng_;
};

}  // namespace hone
