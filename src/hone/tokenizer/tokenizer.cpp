#include "hone/tokenizer/tokenizer.h"

#include <filesystem>

#include "hone/tokenizer/bpe_model.h"
#include "hone/tokenizer/component_json.h"
#include "hone/tokenizer/decoders.h"
#include "hone/tokenizer/normalizers.h"
#include "hone/tokenizer/pre_tokenizers.h"
#include "hone/tokenizer/utf8.h"
#include "hone/util/atomic_file.h"
#include "hone/util/error.h"
#include "hone/util/json_text.h"

namespace hone {

namespace {

using namespace component_json;

AddedToken parse_added_token(const json& entry, const std::string& at) {
  AddedToken token;
  token.content = require_string(entry, "content", at);
  const json& id = require(entry, "id", at);
  HONE_CHECK(id.is_number_integer() && id.get<int64_t>() >= 0 && id.get<int64_t>() < INT32_MAX, child_path(at, "id"),
             ": expected a non-negative integer, got ", id.dump());
  token.id = id.get<int32_t>();
  token.special = bool_or(entry, "special", false, at);
  token.lstrip = bool_or(entry, "lstrip", false, at);
  token.rstrip = bool_or(entry, "rstrip", false, at);
  token.single_word = bool_or(entry, "single_word", false, at);
  token.normalized = bool_or(entry, "normalized", !token.special, at);
  HONE_CHECK(!token.content.empty(), child_path(at, "content"), ": an added token must not be empty");
  utf8::check_valid(token.content, child_path(at, "content"));
  return token;
}

}  // namespace

Tokenizer::Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::load(const std::string& path) {
  namespace fs = std::filesystem;
  const bool is_folder = fs::is_directory(path);
  const fs::path json_path = is_folder ? fs::path(path) / "tokenizer.json" : fs::path(path);
  HONE_CHECK(fs::exists(json_path), json_path.string(), ": no such file",
             is_folder ? " (the model folder needs a tokenizer.json)" : "");
  const std::string text = read_file(json_path.string());
  const json tokenizer_json = parse_json(text, json_path.string());
  std::optional<TokenizerConfig> config;
  const fs::path config_path = json_path.parent_path() / "tokenizer_config.json";
  if (fs::exists(config_path)) config = load_tokenizer_config(config_path.string());
  return from_json(tokenizer_json, std::move(config), json_path.string());
}

Tokenizer Tokenizer::from_json(const json& tokenizer_json, std::optional<TokenizerConfig> config, const std::string& source) {
  return with_context(source, [&] {
    Tokenizer t;
    t.source_ = source;
    if (config) t.config_ = std::move(*config);
    HONE_CHECK(tokenizer_json.is_object(), "expected a JSON object at the top level, got ", tokenizer_json.type_name());
    const json null_json;
    const auto section = [&](const char* key) -> const json& {
      auto it = tokenizer_json.find(key);
      return it == tokenizer_json.end() ? null_json : *it;
    };

    const json& model = require(tokenizer_json, "model", "");
    std::string model_type = "BPE";
    if (model.is_object() && model.contains("type")) model_type = type_of(model, "model");
    if (model_type != "BPE") fail_unknown_type("model", model_type, "model", "BPE");
    t.model_ = std::make_unique<BpeModel>(model, "model");
    t.normalizer_ = make_normalizer(section("normalizer"), "normalizer");
    t.pre_tokenizer_ = make_pre_tokenizer(section("pre_tokenizer"), "pre_tokenizer");
    t.post_processor_ = make_post_processor(section("post_processor"), "post_processor");
    t.decoder_ = make_decoder(section("decoder"), "decoder");

    const json& added = section("added_tokens");
    HONE_CHECK(added.is_null() || added.is_array(), "added_tokens: expected an array, got ", added.type_name());
    for (size_t i = 0; i < (added.is_array() ? added.size() : 0); ++i) {
      t.added_tokens_.push_back(parse_added_token(added[i], index_path("added_tokens", i)));
    }
    int32_t size = t.model_->vocab_size();
    for (const AddedToken& token : t.added_tokens_) size = std::max(size, token.id + 1);
    t.added_index_of_id_.assign(size_t(size), -1);
    for (size_t i = 0; i < t.added_tokens_.size(); ++i) {
      const AddedToken& token = t.added_tokens_[i];
      t.added_index_of_id_[size_t(token.id)] = int32_t(i);
      if (token.normalized && t.normalizer_) {
        t.normalized_matcher_.add(t.normalizer_->normalize(token.content), int32_t(i));
      } else {
        t.raw_matcher_.add(token.content, int32_t(i));
      }
    }

    const auto id_of = [&](const std::optional<std::string>& token) -> std::optional<int32_t> {
      return token ? t.token_to_id(*token) : std::nullopt;
    };
    t.bos_id_ = id_of(t.config_.bos_token);
    t.eos_id_ = id_of(t.config_.eos_token);
    t.pad_id_ = id_of(t.config_.pad_token);
    t.unk_id_ = id_of(t.config_.unk_token ? t.config_.unk_token : t.model_->unk_token());
    if (!t.post_processor_ || !t.post_processor_->adds_special_tokens()) {
      t.config_adds_bos_ = t.config_.add_bos_token.value_or(false);
      t.config_adds_eos_ = t.config_.add_eos_token.value_or(false);
      const std::string config_name = t.config_.source.empty() ? "tokenizer_config.json" : t.config_.source;
      HONE_CHECK(!t.config_adds_bos_ || t.bos_id_, config_name, ": add_bos_token is true but bos_token ",
                 t.config_.bos_token ? "\"" + *t.config_.bos_token + "\" is not in the vocabulary" : "is not set");
      HONE_CHECK(!t.config_adds_eos_ || t.eos_id_, config_name, ": add_eos_token is true but eos_token ",
                 t.config_.eos_token ? "\"" + *t.config_.eos_token + "\" is not in the vocabulary" : "is not set");
    }
    return t;
  });
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  for (const AddedToken& added : added_tokens_) {
    if (added.content == token) return added.id;
  }
  return model_->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(int32_t id) const {
  if (id >= 0 && size_t(id) < added_index_of_id_.size() && added_index_of_id_[size_t(id)] >= 0) {
    return added_tokens_[size_t(added_index_of_id_[size_t(id)])].content;
  }
  if (const std::string* token = model_->id_to_token(id)) return *token;
  return std::nullopt;
}

bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && size_t(id) < added_index_of_id_.size() && added_index_of_id_[size_t(id)] >= 0 &&
         added_tokens_[size_t(added_index_of_id_[size_t(id)])].special;
}

int32_t Tokenizer::vocab_size() const { return int32_t(added_index_of_id_.size()); }

void Tokenizer::encode_plain(std::string_view text, bool at_text_start, std::vector<int32_t>& ids) const {
  if (!pre_tokenizer_) {
    model_->encode_word(text, ids);
    return;
  }
  thread_local PreTokenized input, output;
  input.clear();
  input.add(text, at_text_start);
  pre_tokenizer_->pre_tokenize(input, output);
  for (const auto& piece : output.pieces) model_->encode_word(output.view(piece), ids);
}

void Tokenizer::encode_text(std::string_view text, std::vector<int32_t>& ids) const {
  utf8::check_valid(text, "the text to encode");
  std::vector<TextSegment> raw_segments;
  raw_matcher_.split(text, added_tokens_, raw_segments);
  std::vector<TextSegment> normalized_segments;
  for (const TextSegment& raw : raw_segments) {
    if (raw.added_index >= 0) {
      ids.push_back(added_tokens_[size_t(raw.added_index)].id);
      continue;
    }
    const std::string_view piece = text.substr(raw.start, raw.end - raw.start);
    std::string normalized_storage;
    std::string_view normalized = piece;
    if (normalizer_) {
      normalized_storage = normalizer_->normalize(piece);
      normalized = normalized_storage;
    }
    normalized_segments.clear();
    normalized_matcher_.split(normalized, added_tokens_, normalized_segments);
    for (const TextSegment& segment : normalized_segments) {
      if (segment.added_index >= 0) {
        ids.push_back(added_tokens_[size_t(segment.added_index)].id);
      } else {
        encode_plain(normalized.substr(segment.start, segment.end - segment.start), raw.start == 0 && segment.start == 0, ids);
      }
    }
  }
}

Encoding Tokenizer::post_process(Encoding first, const Encoding* pair, bool add_special_tokens) const {
  if (post_processor_ && post_processor_->adds_special_tokens()) {
    return post_processor_->process(std::move(first), pair, add_special_tokens);
  }
  if (post_processor_) first = post_processor_->process(std::move(first), nullptr, add_special_tokens);
  // transformers' build_inputs_with_special_tokens: [bos] A [eos] ([bos] B [eos]).
  const auto wrap = [&](const Encoding& sequence, int32_t type_id, Encoding& out) {
    if (add_special_tokens && config_adds_bos_) {
      out.ids.push_back(*bos_id_);
      out.type_ids.push_back(type_id);
    }
    out.ids.insert(out.ids.end(), sequence.ids.begin(), sequence.ids.end());
    out.type_ids.insert(out.type_ids.end(), sequence.ids.size(), type_id);
    if (add_special_tokens && config_adds_eos_) {
      out.ids.push_back(*eos_id_);
      out.type_ids.push_back(type_id);
    }
  };
  Encoding out;
  wrap(first, 0, out);
  if (pair) wrap(*pair, 1, out);
  return out;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  Encoding encoding;
  encode_text(text, encoding.ids);
  if (!add_special_tokens && (!post_processor_ || !post_processor_->adds_special_tokens())) return std::move(encoding.ids);
  encoding.type_ids.assign(encoding.ids.size(), 0);
  return post_process(std::move(encoding), nullptr, add_special_tokens).ids;
}

Encoding Tokenizer::encode_pair(std::string_view first, std::string_view second, bool add_special_tokens) const {
  Encoding a, b;
  encode_text(first, a.ids);
  encode_text(second, b.ids);
  a.type_ids.assign(a.ids.size(), 0);
  b.type_ids.assign(b.ids.size(), 1);
  return post_process(std::move(a), &b, add_special_tokens);
}

std::string Tokenizer::decode(std::span<const int32_t> ids, const DecodeOptions& options) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (options.skip_special_tokens && is_special(id)) continue;
    auto token = id_to_token(id);
    HONE_CHECK(token, source_, ": cannot decode id ", id, " (position ", i, "): not in the vocabulary of ", vocab_size(),
               " ids");
    tokens.push_back(std::move(*token));
  }
  std::string text;
  if (decoder_) {
    decoder_->decode_chain(tokens);
    for (const std::string& token : tokens) text += token;
  } else {
    for (size_t i = 0; i < tokens.size(); ++i) text += (i ? " " : "") + tokens[i];
  }
  if (options.clean_up_tokenization_spaces.value_or(config_.clean_up_tokenization_spaces.value_or(false))) {
    text = clean_up_tokenization(std::move(text));
  }
  return text;
}

std::string clean_up_tokenization(std::string text) {
  static const std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
      {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) {
    std::string out;
    out.reserve(text.size());
    size_t previous = 0;
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, previous)) {
      out.append(text, previous, at - previous);
      out.append(to);
      previous = at + from.size();
    }
    out.append(text, previous);
    text = std::move(out);
  }
  return text;
}

}  // namespace hone
