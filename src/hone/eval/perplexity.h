// Held-out loss and perplexity: the mean next-token negative log-likelihood over every scored
// token of a dataset (each example its own sequence; labels shifted by one as in Hugging Face).
#pragma once

#include <functional>
#include <vector>

#include "hone/data/tokenized_example.h"
#include "hone/model/decoder_model.h"

namespace hone {

struct EvalResult {
  double loss = 0;        // mean NLL per scored token
  double perplexity = 0;  // exp(loss)
  int64_t tokens = 0;     // scored tokens
  int64_t examples = 0;
};

// progress(done, total) is called after each example.
EvalResult evaluate_loss(DecoderModel& model, const std::vector<TokenizedExample>& examples,
                         const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace hone
