// A training or evaluation example as token ids with per-token labels (-100: not scored), the
// common form every dataset format is turned into. Labels are aligned with input_ids; the
// one-token shift of next-token prediction happens in the model's loss.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hone {

constexpr int32_t kIgnoreLabel = -100;

struct TokenizedExample {
  std::vector<int32_t> input_ids;
  std::vector<int32_t> labels;  // same length as input_ids
};

// The pre-tokenized record {"input_ids": [...], "labels": [...]} (labels optional: every token
// scored). Error naming the key and what was expected. vocab_size > 0 also range-checks ids.
TokenizedExample parse_tokens_record(const nlohmann::json& record, int64_t vocab_size = 0);

// All records of a pre-tokenized JSONL file (errors carry file:line).
std::vector<TokenizedExample> read_tokens_jsonl(const std::string& path, int64_t vocab_size = 0);

}  // namespace hone
