// Differentiable cross-entropy with ignore_index, and the fused lm_head + cross-entropy that
// training on large vocabularies uses. Neither ever holds the [tokens, vocab] probabilities:
// cross_entropy keeps one log-sum-exp per token and its backward recomputes softmax from it; the
// fused op computes the logits a chunk of tokens at a time and, when a gradient is wanted, takes
// the gradients from each chunk right there, so the logits are computed once per step.
#pragma once

#include <cstdint>

#include "hone/tensor/tensor.h"

namespace hone {

enum class LossReduction {
  Mean,  // over scored tokens; 0 (not NaN) when every token is ignored
  Sum,   // the caller divides, e.g. by count_scored_tokens over a whole accumulated batch
};

struct CrossEntropyOptions {
  int32_t ignore_index = -100;
  LossReduction reduction = LossReduction::Mean;
  // linear_cross_entropy only: tokens per lm_head chunk; 0 picks a chunk whose logits take
  // about 16 MiB.
  int64_t chunk_tokens = 0;
};

// Number of labels that are not ignore_index: the denominator of a mean over several batches.
int64_t count_scored_tokens(const Tensor& labels, int32_t ignore_index = -100);

// logits [..., V] (f32/f64), labels I32 [...] -> a [1] loss. A label outside [0, V) that is not
// ignore_index is an Error naming the label, its position and V.
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, const CrossEntropyOptions& options = {});

// cross_entropy(linear(hidden, weight), labels) without materialising the logits: hidden
// [..., D], weight [V, D] in Hugging Face's lm_head layout, labels I32 [...]. Gradients flow to
// hidden and, if it requires one, to weight. A frozen weight may be stored in bf16/f16 (widened
// to hidden's dtype for the pass). Under grad mode the forward holds gradients of hidden's and
// (if trainable) weight's size until backward.
Tensor linear_cross_entropy(const Tensor& hidden, const Tensor& weight, const Tensor& labels,
                            const CrossEntropyOptions& options = {});

}  // namespace hone
