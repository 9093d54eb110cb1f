// Dataset files -> tokenized examples with label masks. JSONL records in the formats users bring
// (../shared/reference/peft-format.md, "Dataset record shapes"), detected from the keys or set
// by `format`:
//   text        {"text"}                                  loss on every token
//   completion  {"prompt", "completion"}                  loss on the completion
//   alpaca      {"instruction", "input", "output"[, "system"]}  chat template when the model has
//               one, else the alpaca template; loss on the output
//   messages    {"messages": [{"role", "content"}, ...]}  chat template; loss on every assistant
//               turn including its end-of-turn token, nothing else
//   tokens      {"input_ids"[, "labels"]}                 as given
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hone/data/tokenized_example.h"

namespace hone {

class Tokenizer;

struct DatasetOptions {
  std::string format = "auto";   // auto | text | completion | alpaca | messages | tokens
  int64_t seq_len = 512;         // longer examples are truncated to this many tokens
  std::string truncation = "right";  // right: drop the end; left: drop the start
  bool skip_bad_lines = false;   // a malformed line becomes a counted warning instead of an error
  bool add_eos = true;           // text/completion/alpaca without a template: append EOS (scored)
  std::string chat_template;     // a named built-in template to use when the model has none (or to override)
};

struct DatasetStats {
  std::string format;         // the format used (after auto-detection)
  int64_t examples = 0;
  int64_t truncated = 0;      // examples cut to seq_len
  int64_t skipped_lines = 0;  // bad lines skipped (skip_bad_lines)
  int64_t tokens = 0;         // after truncation
  // Tokens the loss scores: labels[1:] != -100 per example (the first token is never predicted).
  int64_t scored_tokens = 0;
  int64_t dropped_unscored = 0;  // examples with no scored token left after truncation (dropped)
  // Scored/unscored boundaries that fell inside a token (see scored_text.h); normally 0.
  int64_t split_boundaries = 0;
  std::vector<std::string> warnings;  // the first skipped lines' messages ("<file>:<line>: <what>")
};

struct Dataset {
  std::vector<TokenizedExample> examples;
  DatasetStats stats;
};

// Reads `path`. `tokenizer` may be null only for the tokens format. Every malformed record is
// an Error "<path>:<line>: <what>" (or counted with skip_bad_lines).
Dataset load_dataset(const std::string& path, const DatasetOptions& options, const Tokenizer* tokenizer);

// Splits off ceil(fraction * examples) examples, chosen by a seeded shuffle, for validation:
// {train, validation}, each keeping the file's order. 0 < fraction < 1 and both parts must be
// non-empty. The file-level counts (truncated, skipped, dropped, warnings) stay with train.
std::pair<Dataset, Dataset> split_validation(Dataset data, double fraction, uint64_t seed);

// labels[1:] != -100: the tokens an example contributes to the loss.
int64_t scored_token_count(const TokenizedExample& example);

}  // namespace hone
