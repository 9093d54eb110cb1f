// One JSONL record -> token ids and labels, for each dataset format: checks the record's keys
// and types (an Error says which key and what was expected), renders prompts or chat templates,
// and marks exactly the tokens to train on. Truncation happens afterwards, in load_dataset.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "hone/data/dataset.h"
#include "hone/data/dataset_format.h"
#include "hone/data/scored_text.h"
#include "hone/tokenizer/chat_template.h"

namespace hone {

class ExampleBuilder {
 public:
  // `tokenizer` may be null only for the tokens format. Errors here concern the whole dataset
  // (no tokenizer, no chat template for messages, add_eos without an EOS token).
  ExampleBuilder(DatasetFormat format, const Tokenizer* tokenizer, const DatasetOptions& options);

  ScoredTokens build(const nlohmann::json& record) const;

  DatasetFormat format() const { return format_; }
  // The chat template in use (messages, and alpaca when the model has one); null otherwise.
  const ChatTemplate* chat_template() const { return chat_template_ ? &*chat_template_ : nullptr; }

 private:
  ScoredTokens build_text(const nlohmann::json& record) const;
  ScoredTokens build_completion(const nlohmann::json& record) const;
  ScoredTokens build_alpaca(const nlohmann::json& record) const;
  ScoredTokens build_messages(const nlohmann::json& record) const;
  ScoredTokens build_chat(const nlohmann::ordered_json& messages) const;
  // BOS (as the tokenizer adds it) in front, unscored; EOS at the end, scored, when add_eos.
  ScoredTokens frame(ScoredTokens tokens, bool append_eos) const;

  DatasetFormat format_;
  const Tokenizer* tokenizer_;
  DatasetOptions options_;
  SpecialTokenFrame special_;
  std::optional<int32_t> eos_id_;
  std::optional<ChatTemplate> chat_template_;
  ChatTemplateOptions template_options_;
};

}  // namespace hone
