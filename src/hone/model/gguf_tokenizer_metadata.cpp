#include "hone/model/gguf_tokenizer_metadata.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "hone/io/gguf_llama.h"
#include "hone/tokenizer/tokenizer.h"
#include "hone/util/atomic_file.h"
#include "hone/util/error.h"

namespace hone {

namespace {

using Json = nlohmann::json;

// llama_token_type values (gguf-py TokenType).
enum TokenType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

// Whether any component object (recursively) has "type" == `type`.
bool has_component(const Json& j, const std::string& type) {
  if (j.is_object()) {
    if (j.contains("type") && j["type"] == type) return true;
    for (const auto& [k, v] : j.items())
      if (has_component(v, type)) return true;
  } else if (j.is_array()) {
    for (const auto& v : j)
      if (has_component(v, type)) return true;
  }
  return false;
}

// "a b" for either merges form (strings, or pairs as tokenizers >= 0.20 writes them).
std::string merge_text(const Json& m, const std::string& source) {
  if (m.is_string()) return m.get<std::string>();
  HONE_CHECK(m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string(), source,
             ": model.merges entries must be \"a b\" strings or [a, b] pairs");
  return m[0].get<std::string>() + " " + m[1].get<std::string>();
}

bool is_byte_token(const std::string& t) {
  return t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' && std::isxdigit(static_cast<unsigned char>(t[3])) &&
         std::isxdigit(static_cast<unsigned char>(t[4]));
}

}  // namespace

std::string gguf_pre_tokenizer_name(const std::string& text) {
  // Distinctive pieces of the split regexes (as they appear in tokenizer.json, JSON-escaped).
  if (text.find(R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3})") != std::string::npos)
    return "llama-bpe";
  if (text.find(R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?)") != std::string::npos)
    return "qwen2";
  const Json j = Json::parse(text, nullptr, false);
  if (!j.is_discarded() && j.contains("pre_tokenizer") && j["pre_tokenizer"].is_object() &&
      j["pre_tokenizer"].value("type", "") == "ByteLevel" && j["pre_tokenizer"].value("use_regex", true))
    return "gpt-2";
  return "default";
}

bool add_gguf_tokenizer_metadata(GgufMetadata& metadata, const std::string& folder, int64_t vocab_size) {
  const std::string path = (std::filesystem::path(folder) / "tokenizer.json").string();
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec) || !std::filesystem::exists(path, ec)) return false;
  const std::string text = read_file(path);
  const Json j = Json::parse(text, nullptr, false);
  HONE_CHECK(!j.is_discarded() && j.is_object(), path, ": not valid JSON");
  HONE_CHECK(j.contains("model") && j["model"].is_object() && j["model"].value("type", "") == "BPE", path,
             ": only BPE tokenizers can be written to GGUF (model.type is ",
             j.contains("model") && j["model"].is_object() ? j["model"].value("type", "missing") : "missing", ")");
  const Json& model = j["model"];
  HONE_CHECK(model.contains("vocab") && model["vocab"].is_object(), path, ": model.vocab must be an object");
  const bool byte_level = has_component(j.value("pre_tokenizer", Json()), "ByteLevel") ||
                          has_component(j.value("decoder", Json()), "ByteLevel");
  const bool sentencepiece = !byte_level && (model.value("byte_fallback", false) ||
                                             has_component(j.value("decoder", Json()), "Metaspace") ||
                                             has_component(j.value("pre_tokenizer", Json()), "Metaspace"));
  HONE_CHECK(byte_level || sentencepiece, path,
             ": neither byte-level BPE nor SentencePiece-style BPE, which are what llama.cpp's gpt2 and llama "
             "tokenizers run");

  std::map<int64_t, std::string> by_id;
  std::map<int64_t, int32_t> type_of;
  for (const auto& [token, id] : model["vocab"].items()) {
    HONE_CHECK(id.is_number_integer() && id.get<int64_t>() >= 0, path, ": model.vocab['", token, "'] is not a token id");
    by_id[id.get<int64_t>()] = token;
    type_of[id.get<int64_t>()] = sentencepiece && is_byte_token(token) ? kByte : kNormal;
  }
  for (const Json& added : j.value("added_tokens", Json::array())) {
    HONE_CHECK(added.is_object() && added.contains("id") && added["id"].is_number_integer() && added.contains("content"),
               path, ": added_tokens entries need an integer id and a content");
    const int64_t id = added["id"].get<int64_t>();
    by_id[id] = added["content"].get<std::string>();
    type_of[id] = added.value("special", false) ? kControl : kUserDefined;
  }
  const int64_t count = std::max<int64_t>(vocab_size, by_id.empty() ? 0 : by_id.rbegin()->first + 1);
  HONE_CHECK(count <= vocab_size, path, ": token id ", count - 1, " does not fit the model's vocabulary of ", vocab_size);
  std::vector<std::string> tokens(static_cast<size_t>(count));
  std::vector<int32_t> types(static_cast<size_t>(count), kUnused);
  for (int64_t id = 0; id < count; ++id) {
    const auto it = by_id.find(id);
    tokens[size_t(id)] = it != by_id.end() ? it->second : "[PAD" + std::to_string(id) + "]";
    if (it != by_id.end()) types[size_t(id)] = type_of[id];
  }

  std::vector<std::string> merges;
  for (const Json& m : model.value("merges", Json::array())) merges.push_back(merge_text(m, path));

  const Tokenizer tokenizer = Tokenizer::load(folder);
  if (tokenizer.unk_id() && *tokenizer.unk_id() < count) types[size_t(*tokenizer.unk_id())] = kUnknown;

  metadata.set(gguf_key::kTokenizerModel, GgufValue::string(sentencepiece ? "llama" : "gpt2"));
  if (byte_level) metadata.set(gguf_key::kTokenizerPre, GgufValue::string(gguf_pre_tokenizer_name(text)));
  metadata.set(gguf_key::kTokens, GgufValue::string_array(tokens));
  if (sentencepiece) {
    // llama.cpp's SentencePiece tokenizer merges the adjacent pair whose joined piece scores
    // highest; scoring each piece by minus the rank of the merge that makes it reproduces the
    // BPE merge order (pieces no merge makes score 0 and are never merge results).
    std::vector<float> scores(static_cast<size_t>(count), 0.0f);
    std::map<std::string, int64_t> id_of;
    for (int64_t id = 0; id < count; ++id) id_of.emplace(tokens[size_t(id)], id);
    for (size_t rank = 0; rank < merges.size(); ++rank) {
      const std::string& m = merges[rank];
      const size_t space = m.find(' ');
      if (space == std::string::npos) continue;
      const auto it = id_of.find(m.substr(0, space) + m.substr(space + 1));
      if (it != id_of.end() && scores[size_t(it->second)] == 0.0f) scores[size_t(it->second)] = -float(rank + 1);
    }
    metadata.set(gguf_key::kScores, GgufValue::f32_array(scores));
  }
  metadata.set(gguf_key::kTokenType, GgufValue::i32_array(types));
  if (byte_level) metadata.set(gguf_key::kMerges, GgufValue::string_array(merges));
  auto set_id = [&](const char* key, std::optional<int32_t> id) {
    if (id && *id >= 0 && *id < count && !metadata.contains(key)) metadata.set(key, GgufValue::u32(uint32_t(*id)));
  };
  set_id(gguf_key::kBosTokenId, tokenizer.bos_id());
  set_id(gguf_key::kEosTokenId, tokenizer.eos_id());
  set_id(gguf_key::kUnknownTokenId, tokenizer.unk_id());
  set_id(gguf_key::kPaddingTokenId, tokenizer.pad_id());
  const TokenizerConfig& config = tokenizer.config();
  if (config.add_bos_token) metadata.set(gguf_key::kAddBosToken, GgufValue::boolean(*config.add_bos_token));
  if (config.add_eos_token) metadata.set(gguf_key::kAddEosToken, GgufValue::boolean(*config.add_eos_token));
  if (config.chat_template) metadata.set(gguf_key::kChatTemplate, GgufValue::string(*config.chat_template));
  return true;
}

}  // namespace hone
