#include "hone/eval/generate.h"

#include <algorithm>

#include "hone/autograd/grad_mode.h"
#include "hone/util/timer.h"

namespace hone {

Tensor last_position_logits(const DecoderModel& model, const Tensor& hidden) {
  const int64_t T = hidden.dim(1), D = hidden.dim(2);
  return model.logits(hidden.view({T, D}).slice(T - 1, T)).view({-1});
}

GenerationResult generate(DecoderModel& model, const std::vector<int32_t>& prompt, const GenerationOptions& options,
                          const std::function<void(int32_t)>& on_token) {
  HONE_CHECK(!prompt.empty(), "generate: the prompt is empty (a model needs at least one token, e.g. BOS)");
  HONE_CHECK(options.max_new_tokens >= 0, "--max_new_tokens must be >= 0");
  const int64_t vocab = model.config().vocab_size;
  for (size_t i = 0; i < prompt.size(); ++i)
    HONE_CHECK(prompt[i] >= 0 && prompt[i] < vocab, "prompt token ", prompt[i], " at position ", i,
               " is outside the vocabulary [0, ", vocab, ")");
  NoGradGuard no_grad;
  GenerationResult result;
  result.prompt_tokens = int64_t(prompt.size());
  result.finish_reason = "length";
  const int64_t capacity = std::min<int64_t>(int64_t(prompt.size()) + options.max_new_tokens,
                                             model.config().max_position_embeddings);
  KvCache cache = model.make_cache(1, capacity);
  Sampler sampler(options.sampling);
  ForwardOptions fwd;
  fwd.cache = &cache;

  Timer timer;
  Tensor ids = Tensor::from_ints({1, int64_t(prompt.size())}, prompt);
  Tensor logits = last_position_logits(model, model.hidden_states(ids, fwd));
  result.prefill_seconds = timer.seconds();
  timer.reset();
  for (int64_t step = 0; step < options.max_new_tokens; ++step) {
    const int32_t next = sampler.next(logits.data<float>(), vocab);
    result.tokens.push_back(next);
    if (on_token) on_token(next);
    if (std::find(options.stop_ids.begin(), options.stop_ids.end(), next) != options.stop_ids.end()) {
      result.finish_reason = "stop";
      break;
    }
    if (step + 1 == options.max_new_tokens) break;
    if (cache.length() >= cache.capacity()) break;  // max_position_embeddings reached
    const std::vector<int32_t> one{next};
    logits = last_position_logits(model, model.hidden_states(Tensor::from_ints({1, 1}, one), fwd));
  }
  result.decode_seconds = timer.seconds();
  return result;
}

}  // namespace hone
