#include "hone/tokenizer/bpe_model.h"

#include <algorithm>
#include <cstdio>

#include "hone/tokenizer/component_json.h"
#include "hone/tokenizer/utf8.h"
#include "hone/util/error.h"

namespace hone {

namespace {

using namespace component_json;

constexpr char32_t kSmallCharLimit = 0x3000;

std::optional<std::string> non_empty(std::optional<std::string> value) {
  if (value && value->empty()) return std::nullopt;
  return value;
}

// A merge is "left right" (older files) or ["left", "right"] (files that allow spaces in tokens).
std::pair<std::string, std::string> merge_pair(const json& merge, const std::string& at) {
  if (merge.is_string()) {
    const std::string& text = merge.get_ref<const std::string&>();
    const size_t space = text.find(' ');
    HONE_CHECK(space != std::string::npos, at, ": merge \"", text, "\" is not two tokens separated by a space");
    return {text.substr(0, space), text.substr(space + 1)};
  }
  HONE_CHECK(merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string(), at,
             ": a merge must be \"left right\" or [\"left\", \"right\"], got ", merge.dump());
  return {merge[0].get<std::string>(), merge[1].get<std::string>()};
}

struct HeapEntry {
  int32_t rank;
  int32_t position;
  int32_t merged_id;
  // std heap functions build a max-heap: "less" means later in merge order.
  bool operator<(const HeapEntry& other) const {
    return rank != other.rank ? rank > other.rank : position > other.position;
  }
};

}  // namespace

BpeModel::BpeModel(const json& config, const std::string& path) {
  if (auto it = config.find("dropout"); it != config.end() && !it->is_null()) {
    HONE_CHECK(it->is_number() && it->get<double>() == 0.0, child_path(path, "dropout"),
               ": BPE dropout is not supported (only null or 0, which make encoding deterministic), got ", it->dump());
  }
  unk_token_ = optional_string(config, "unk_token", path);
  continuing_subword_prefix_ = non_empty(optional_string(config, "continuing_subword_prefix", path));
  end_of_word_suffix_ = non_empty(optional_string(config, "end_of_word_suffix", path));
  fuse_unk_ = bool_or(config, "fuse_unk", false, path);
  byte_fallback_ = bool_or(config, "byte_fallback", false, path);
  ignore_merges_ = bool_or(config, "ignore_merges", false, path);

  const json& vocab = require(config, "vocab", path);
  const std::string vocab_path = child_path(path, "vocab");
  HONE_CHECK(vocab.is_object(), vocab_path, ": expected an object {token: id}, got ", vocab.type_name());
  vocab_.reserve(vocab.size());
  for (const auto& [token, id_json] : vocab.items()) {
    HONE_CHECK(id_json.is_number_integer() && id_json.get<int64_t>() >= 0 && id_json.get<int64_t>() < INT32_MAX, vocab_path,
               ": the id of token \"", token, "\" must be a non-negative integer, got ", id_json.dump());
    const auto id = id_json.get<int32_t>();
    vocab_.emplace(token, id);
    if (size_t(id) >= tokens_.size()) {
      tokens_.resize(size_t(id) + 1);
      has_token_.resize(size_t(id) + 1, false);
    }
    HONE_CHECK(!has_token_[size_t(id)], vocab_path, ": id ", id, " is given to both \"", tokens_[size_t(id)], "\" and \"", token, "\"");
    tokens_[size_t(id)] = token;
    has_token_[size_t(id)] = true;
  }

  const json& merges = require_array(config, "merges", path);
  const std::string merges_path = child_path(path, "merges");
  merges_.reserve(merges.size());
  const size_t prefix_length = continuing_subword_prefix_ ? continuing_subword_prefix_->size() : 0;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string at = index_path(merges_path, rank);
    const auto [left, right] = merge_pair(merges[rank], at);
    const auto left_id = token_to_id(left), right_id = token_to_id(right);
    HONE_CHECK(left_id, at, ": merge token \"", left, "\" is not in the vocabulary");
    HONE_CHECK(right_id, at, ": merge token \"", right, "\" is not in the vocabulary");
    const bool strip_prefix = prefix_length > 0 && right.compare(0, prefix_length, *continuing_subword_prefix_) == 0;
    const std::string merged = left + (strip_prefix ? right.substr(prefix_length) : right);
    const auto merged_id = token_to_id(merged);
    HONE_CHECK(merged_id, at, ": merged token \"", merged, "\" is not in the vocabulary");
    merges_.insert(*left_id, *right_id, MergeRule{int32_t(rank), *merged_id});
  }

  small_char_ids_.assign(kSmallCharLimit, -1);
  for (const auto& [token, id] : vocab_) {
    size_t pos = 0;
    if (token.empty()) continue;
    const char32_t c = utf8::next(token, pos);
    if (pos == token.size() && c < kSmallCharLimit) small_char_ids_[c] = id;
  }
  byte_fallback_ids_.assign(256, -1);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    if (auto id = token_to_id(name)) byte_fallback_ids_[size_t(b)] = *id;
  }
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || size_t(id) >= tokens_.size() || !has_token_[size_t(id)]) return nullptr;
  return &tokens_[size_t(id)];
}

int32_t BpeModel::unk_id() const {
  const auto id = token_to_id(*unk_token_);
  HONE_CHECK(id, "BPE model: unk_token \"", *unk_token_, "\" is not in the vocabulary, but the text needs it");
  return *id;
}

int32_t BpeModel::char_id(std::string_view character) const {
  size_t pos = 0;
  const char32_t c = utf8::next(character, pos);
  if (c < kSmallCharLimit && pos == character.size()) return small_char_ids_[c];
  auto it = vocab_.find(character);
  return it == vocab_.end() ? -1 : it->second;
}

void BpeModel::add_symbols_for_char(std::string_view word, size_t start, size_t end, std::vector<Symbol>& symbols,
                                    std::optional<std::pair<int32_t, uint32_t>>& pending_unk) const {
  const auto push = [&](int32_t id, uint32_t length) {
    const auto index = int32_t(symbols.size());
    symbols.push_back({id, index - 1, index + 1, length});
  };
  const auto byte_length = uint32_t(end - start);
  std::string_view piece = word.substr(start, end - start);
  thread_local std::string decorated;
  const bool add_prefix = continuing_subword_prefix_ && start > 0;
  const bool add_suffix = end_of_word_suffix_ && end == word.size();
  if (add_prefix || add_suffix) {
    decorated.clear();
    if (add_prefix) decorated += *continuing_subword_prefix_;
    decorated += piece;
    if (add_suffix) decorated += *end_of_word_suffix_;
    piece = decorated;
  }
  const int32_t id = (add_prefix || add_suffix) ? (token_to_id(piece) ? *token_to_id(piece) : -1) : char_id(piece);
  if (id >= 0) {
    if (pending_unk) {
      push(pending_unk->first, pending_unk->second);
      pending_unk.reset();
    }
    push(id, byte_length);
    return;
  }
  if (byte_fallback_) {
    bool all_known = true;
    for (char ch : piece) all_known &= byte_fallback_ids_[static_cast<unsigned char>(ch)] >= 0;
    if (all_known) {
      for (char ch : piece) push(byte_fallback_ids_[static_cast<unsigned char>(ch)], 1);
      return;
    }
  }
  if (!unk_token_) return;  // no unk token: the crate drops the character
  if (pending_unk && fuse_unk_) {
    pending_unk->second += byte_length;
    return;
  }
  if (pending_unk) push(pending_unk->first, pending_unk->second);
  pending_unk = std::make_pair(unk_id(), byte_length);
}

void BpeModel::merge_word(std::string_view word, std::vector<int32_t>& ids) const {
  thread_local std::vector<Symbol> symbols;
  thread_local std::vector<HeapEntry> heap;
  symbols.clear();
  heap.clear();
  std::optional<std::pair<int32_t, uint32_t>> pending_unk;
  for (size_t pos = 0; pos < word.size();) {
    const size_t start = pos;
    pos += utf8::sequence_length(static_cast<unsigned char>(word[pos]));
    pos = std::min(pos, word.size());
    add_symbols_for_char(word, start, pos, symbols, pending_unk);
  }
  if (pending_unk) symbols.push_back({pending_unk->first, int32_t(symbols.size()) - 1, int32_t(symbols.size()) + 1, pending_unk->second});
  if (symbols.empty()) return;
  symbols.back().next = -1;

  for (size_t i = 0; i + 1 < symbols.size(); ++i) {
    if (const MergeRule* rule = merges_.find(symbols[i].id, symbols[i + 1].id)) {
      heap.push_back({rule->rank, int32_t(i), rule->merged_id});
    }
  }
  std::make_heap(heap.begin(), heap.end());
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    const HeapEntry top = heap.back();
    heap.pop_back();
    Symbol& current = symbols[size_t(top.position)];
    if (current.length == 0 || current.next < 0) continue;
    Symbol& right = symbols[size_t(current.next)];
    // Skip entries made stale by an earlier merge of either side.
    const MergeRule* rule = merges_.find(current.id, right.id);
    if (!rule || rule->merged_id != top.merged_id) continue;
    current.id = top.merged_id;
    current.length += right.length;
    current.next = right.next;
    right.length = 0;
    if (current.next >= 0) symbols[size_t(current.next)].prev = top.position;
    if (current.prev >= 0) {
      if (const MergeRule* left_rule = merges_.find(symbols[size_t(current.prev)].id, current.id)) {
        heap.push_back({left_rule->rank, current.prev, left_rule->merged_id});
        std::push_heap(heap.begin(), heap.end());
      }
    }
    if (current.next >= 0) {
      if (const MergeRule* right_rule = merges_.find(current.id, symbols[size_t(current.next)].id)) {
        heap.push_back({right_rule->rank, top.position, right_rule->merged_id});
        std::push_heap(heap.begin(), heap.end());
      }
    }
  }
  for (const Symbol& symbol : symbols) {
    if (symbol.length != 0) ids.push_back(symbol.id);
  }
}

void BpeModel::encode_word(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (auto id = token_to_id(word)) {
      ids.push_back(*id);
      return;
    }
  }
  const bool cacheable = word.size() <= kMaxCachedWordBytes;
  if (cacheable) {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(word); it != cache_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t first = ids.size();
  merge_word(word, ids);
  if (cacheable) {
    std::lock_guard lock(cache_mutex_);
    if (cache_.size() < kCacheCapacity) cache_.emplace(std::string(word), std::vector<int32_t>(ids.begin() + long(first), ids.end()));
  }
}

}  // namespace hone
