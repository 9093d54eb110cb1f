// Autoregressive generation with a KV cache: the prompt is processed in one batched forward
// (prefill), then one token per step (decode) until an end-of-sequence id or the token budget.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "hone/eval/sampler.h"
#include "hone/model/decoder_model.h"

namespace hone {

struct GenerationOptions {
  int64_t max_new_tokens = 64;
  SamplingOptions sampling;
  std::vector<int32_t> stop_ids;  // usually the model's eos_token_ids
};

struct GenerationResult {
  std::vector<int32_t> tokens;  // the new tokens only (a stop id, when hit, is included)
  std::string finish_reason;    // "stop" (hit a stop id) or "length"
  double prefill_seconds = 0, decode_seconds = 0;
  int64_t prompt_tokens = 0;
};

// on_token, if set, sees each new token as soon as it is chosen (for streaming output).
GenerationResult generate(DecoderModel& model, const std::vector<int32_t>& prompt, const GenerationOptions& options,
                          const std::function<void(int32_t)>& on_token = {});

// Logits [V] of the last position of `hidden` [1, T, D]: only that row goes through lm_head.
Tensor last_position_logits(const DecoderModel& model, const Tensor& hidden);

}  // namespace hone
