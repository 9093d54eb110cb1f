// The BPE model of tokenizer.json ("model": {"type": "BPE", ...}) in both real-world flavours:
// byte-level (GPT-2, Llama 3, Qwen) and SentencePiece-style with byte_fallback (Llama 2, Mistral).
// Turns one pre-tokenized word into ids by applying merges lowest rank first, exactly as the
// tokenizers crate does, with a cache of words already seen.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hone/tokenizer/merge_table.h"

namespace hone {

// Lets unordered_map<std::string, T> be searched with a string_view without a copy.
struct TransparentStringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
template <class T>
using StringMap = std::unordered_map<std::string, T, TransparentStringHash, std::equal_to<>>;

class BpeModel {
 public:
  // `config` is the "model" object; `path` names it in errors ("model").
  BpeModel(const nlohmann::json& config, const std::string& path);

  // Appends the ids of one word (the output of pre-tokenization) to `ids`.
  void encode_word(std::string_view word, std::vector<int32_t>& ids) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  // The model's token for `id`, or nullptr when the model's vocabulary has no such id.
  const std::string* id_to_token(int32_t id) const;
  // One past the highest id in the model's vocabulary.
  int32_t vocab_size() const { return int32_t(tokens_.size()); }
  const std::optional<std::string>& unk_token() const { return unk_token_; }

 private:
  struct Symbol {
    int32_t id;
    int32_t prev, next;
    uint32_t length;  // bytes of the word it covers; 0 once merged into its left neighbour
  };
  void merge_word(std::string_view word, std::vector<int32_t>& ids) const;
  void add_symbols_for_char(std::string_view word, size_t start, size_t end, std::vector<Symbol>& symbols,
                            std::optional<std::pair<int32_t, uint32_t>>& pending_unk) const;
  int32_t char_id(std::string_view character) const;
  int32_t unk_id() const;

  StringMap<int32_t> vocab_;
  std::vector<std::string> tokens_;  // id -> token ("" for ids the vocabulary skips)
  std::vector<bool> has_token_;
  MergeTable merges_;
  std::vector<int32_t> small_char_ids_;  // id of each single-character token below U+3000, or -1
  std::optional<std::string> unk_token_;
  std::optional<std::string> continuing_subword_prefix_, end_of_word_suffix_;
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
  std::vector<int32_t> byte_fallback_ids_;  // <0x00>..<0xFF>, -1 where missing

  // Words already encoded; bounded, since a stream of unique words would otherwise grow it forever.
  static constexpr size_t kCacheCapacity = 200000;
  static constexpr size_t kMaxCachedWordBytes = 256;
  mutable std::mutex cache_mutex_;
  mutable StringMap<std::vector<int32_t>> cache_;
};

}  // namespace hone
