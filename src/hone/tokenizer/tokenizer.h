// A Hugging Face tokenizer (tokenizer.json + tokenizer_config.json) that gives exactly the ids
// the Hugging Face stack gives: added tokens split out first, then normalizer, pre-tokenizer,
// BPE model and post-processor; and back from ids to text through the decoder.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hone/tokenizer/added_tokens.h"
#include "hone/tokenizer/post_processors.h"
#include "hone/tokenizer/tokenizer_config.h"

namespace hone {

class BpeModel;
class Normalizer;
class PreTokenizer;
class Decoder;

struct DecodeOptions {
  bool skip_special_tokens = false;
  // transformers' clean-up of " ." " ," " n't" ...; unset: tokenizer_config.json's
  // clean_up_tokenization_spaces, or off when the file does not say.
  std::optional<bool> clean_up_tokenization_spaces;
};

class Tokenizer {
 public:
  // `path` is a model folder (tokenizer.json and, when present, tokenizer_config.json) or a
  // tokenizer.json file (tokenizer_config.json beside it is read when present).
  static Tokenizer load(const std::string& path);
  // From parsed JSON; `source` names the file in errors.
  static Tokenizer from_json(const nlohmann::json& tokenizer_json, std::optional<TokenizerConfig> config,
                             const std::string& source);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Ids of `text` (valid UTF-8), with the model's special tokens when add_special_tokens is set.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = true) const;
  Encoding encode_pair(std::string_view first, std::string_view second, bool add_special_tokens = true) const;

  std::string decode(std::span<const int32_t> ids, const DecodeOptions& options = {}) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(int32_t id) const;
  bool is_special(int32_t id) const;
  // One past the highest id (model vocabulary and added tokens together).
  int32_t vocab_size() const;

  // Ids of tokenizer_config.json's special tokens, when it names them and they exist.
  std::optional<int32_t> bos_id() const { return bos_id_; }
  std::optional<int32_t> eos_id() const { return eos_id_; }
  std::optional<int32_t> pad_id() const { return pad_id_; }
  std::optional<int32_t> unk_id() const { return unk_id_; }
  std::optional<int64_t> model_max_length() const { return config_.model_max_length; }
  const TokenizerConfig& config() const { return config_; }
  const std::vector<AddedToken>& added_tokens() const { return added_tokens_; }

 private:
  Tokenizer();
  // Ids of `text` before post-processing.
  void encode_text(std::string_view text, std::vector<int32_t>& ids) const;
  void encode_plain(std::string_view text, bool at_text_start, std::vector<int32_t>& ids) const;
  Encoding post_process(Encoding first, const Encoding* pair, bool add_special_tokens) const;

  std::string source_;
  TokenizerConfig config_;
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  std::vector<AddedToken> added_tokens_;
  std::vector<int32_t> added_index_of_id_;  // id -> index into added_tokens_, or -1
  AddedTokenMatcher raw_matcher_, normalized_matcher_;
  std::optional<int32_t> bos_id_, eos_id_, pad_id_, unk_id_;
  // When the post-processor adds nothing, tokenizer_config.json's add_bos_token/add_eos_token do.
  bool config_adds_bos_ = false, config_adds_eos_ = false;
};

// transformers' clean_up_tokenization: removes the space before . ? ! , and English contractions.
std::string clean_up_tokenization(std::string text);

}  // namespace hone
