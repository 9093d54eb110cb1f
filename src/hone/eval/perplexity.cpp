#include "hone/eval/perplexity.h"

#include <cmath>

#include "hone/autograd/grad_mode.h"
#include "hone/autograd/ops_loss.h"
#include "hone/util/error.h"

namespace hone {

EvalResult evaluate_loss(DecoderModel& model, const std::vector<TokenizedExample>& examples,
                         const std::function<void(int64_t, int64_t)>& progress) {
  NoGradGuard no_grad;
  double total = 0;
  EvalResult r;
  for (const TokenizedExample& ex : examples) {
    const int64_t T = int64_t(ex.input_ids.size());
    const Tensor ids = Tensor::from_ints({1, T}, ex.input_ids);
    const Tensor labels = Tensor::from_ints({1, T}, ex.labels);
    const int64_t scored = count_scored_tokens(shift_labels(labels));
    if (scored > 0) total += model.loss(ids, labels, {}, /*sum=*/true).item();
    r.tokens += scored;
    ++r.examples;
    if (progress) progress(r.examples, int64_t(examples.size()));
  }
  // A loss of 0 (perplexity 1) over nothing would read as a perfect model.
  HONE_CHECK(r.tokens > 0, "no scored tokens in ", r.examples, " examples (every label is -100, or no example has a ",
             "token after its first): nothing to evaluate");
  HONE_CHECK(std::isfinite(total), "the loss is not finite (", total, "): the model or adapter produces NaN or ",
             "infinity (a non-finite weight, or an adapter scaling such as lora_alpha / r far too large)");
  r.loss = total / double(r.tokens);
  r.perplexity = std::exp(r.loss);
  return r;
}

}  // namespace hone
