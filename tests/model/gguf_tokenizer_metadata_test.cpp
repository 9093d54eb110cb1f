// tokenizer.* metadata for GGUF exports: byte-level BPE as llama.cpp's "gpt2" model (tokens in id
// order, merges, control tokens, eos), SentencePiece-style BPE as "llama" (byte tokens typed,
// scores that order the merges), and the pre-tokenizer name from the split regex.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "hone/io/gguf_llama.h"
#include "hone/model/gguf_tokenizer_metadata.h"
#include "io/temp_dir.h"

namespace hone {
namespace {

std::string data(const std::string& path) { return std::string(HONE_TEST_DATA_DIR) + "/" + path; }

TEST(GgufTokenizerMetadata, ByteLevelBpeIsGpt2) {
  GgufMetadata m;
  ASSERT_TRUE(add_gguf_tokenizer_metadata(m, data("inference/bytelevel_llama"), 267));
  EXPECT_EQ(m.get_string(gguf_key::kTokenizerModel), "gpt2");
  EXPECT_EQ(m.get_string(gguf_key::kTokenizerPre), "gpt-2");
  const auto tokens = m.get_string_array(gguf_key::kTokens);
  ASSERT_EQ(tokens.size(), 267u);
  const auto tj = nlohmann::json::parse(std::ifstream(data("inference/bytelevel_llama/tokenizer.json")));
  for (const auto& [token, id] : tj["model"]["vocab"].items()) EXPECT_EQ(tokens[id.get<size_t>()], token);
  EXPECT_EQ(tokens[266], "<|endoftext|>");
  const auto types = m.get_int_array(gguf_key::kTokenType);
  EXPECT_EQ(types[266], 3);  // control
  EXPECT_EQ(types[65], 1);
  const auto merges = m.get_string_array(gguf_key::kMerges);
  ASSERT_EQ(merges.size(), 10u);
  EXPECT_EQ(merges[2], "\xC4\xA0t he");  // "Ġt he"
  EXPECT_EQ(m.get_uint(gguf_key::kEosTokenId), 266u);
  EXPECT_FALSE(m.get_bool(gguf_key::kAddBosToken));
  EXPECT_FALSE(m.contains(gguf_key::kScores));
}

TEST(GgufTokenizerMetadata, SentencePieceStyleBpeIsLlamaWithScoresAndPadding) {
  testing::TempDir dir("spm_tokenizer");
  nlohmann::json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}, {"<0x0A>", 3}, {"\xE2\x96\x81", 4}, {"a", 5},
                          {"b", 6},     {"ab", 7},  {"\xE2\x96\x81" "ab", 8}};
  const nlohmann::json tokenizer = {
      {"version", "1.0"},
      {"added_tokens", {{{"id", 0}, {"content", "<unk>"}, {"special", true}, {"single_word", false}, {"lstrip", false},
                         {"rstrip", false}, {"normalized", false}},
                        {{"id", 1}, {"content", "<s>"}, {"special", true}, {"single_word", false}, {"lstrip", false},
                         {"rstrip", false}, {"normalized", false}},
                        {{"id", 2}, {"content", "</s>"}, {"special", true}, {"single_word", false}, {"lstrip", false},
                         {"rstrip", false}, {"normalized", false}}}},
      {"normalizer", {{"type", "Sequence"}, {"normalizers", {{{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
                                                             {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}}}}},
      {"pre_tokenizer", nullptr},
      {"post_processor", nullptr},
      {"decoder", {{"type", "Sequence"}, {"decoders", {{{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
                                                       {{"type", "ByteFallback"}}, {{"type", "Fuse"}},
                                                       {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
      {"model", {{"type", "BPE"}, {"unk_token", "<unk>"}, {"byte_fallback", true}, {"fuse_unk", true}, {"vocab", vocab},
                 {"merges", {"a b", "\xE2\x96\x81 ab"}}}}};
  std::ofstream(dir.file("tokenizer.json")) << tokenizer.dump();
  std::ofstream(dir.file("tokenizer_config.json")) << R"({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "add_bos_token": true})";
  GgufMetadata m;
  ASSERT_TRUE(add_gguf_tokenizer_metadata(m, dir.path(), 12));
  EXPECT_EQ(m.get_string(gguf_key::kTokenizerModel), "llama");
  EXPECT_FALSE(m.contains(gguf_key::kMerges));
  const auto tokens = m.get_string_array(gguf_key::kTokens);
  ASSERT_EQ(tokens.size(), 12u);  // padded to the model's vocabulary
  EXPECT_EQ(tokens[11], "[PAD11]");
  const auto types = m.get_int_array(gguf_key::kTokenType);
  EXPECT_EQ(types[0], 2);  // unknown
  EXPECT_EQ(types[1], 3);  // control
  EXPECT_EQ(types[3], 6);  // byte
  EXPECT_EQ(types[5], 1);
  EXPECT_EQ(types[11], 5);  // unused padding
  const auto scores = m.get_float_array(gguf_key::kScores);
  EXPECT_EQ(scores[7], -1.0);  // "ab": the first merge
  EXPECT_EQ(scores[8], -2.0);
  EXPECT_EQ(scores[5], 0.0);
  EXPECT_GT(scores[7], scores[8]);
  EXPECT_EQ(m.get_uint(gguf_key::kBosTokenId), 1u);
  EXPECT_EQ(m.get_uint(gguf_key::kUnknownTokenId), 0u);
  EXPECT_TRUE(m.get_bool(gguf_key::kAddBosToken));
}

TEST(GgufTokenizerMetadata, NoTokenizerJsonAddsNothingAndBadOnesAreErrors) {
  GgufMetadata m;
  EXPECT_FALSE(add_gguf_tokenizer_metadata(m, data("models/llama_gqa"), 96));
  EXPECT_EQ(m.size(), 0u);
  testing::TempDir dir("bad_tokenizer");
  std::ofstream(dir.file("tokenizer.json")) << R"({"model": {"type": "WordPiece", "vocab": {}}})";
  try {
    add_gguf_tokenizer_metadata(m, dir.path(), 96);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("only BPE tokenizers"), std::string::npos) << e.what();
  }
  EXPECT_THROW(add_gguf_tokenizer_metadata(m, data("inference/bytelevel_llama"), 100), Error);  // ids beyond the vocab
}

TEST(GgufTokenizerMetadata, PreTokenizerNamesFromTheSplitRegex) {
  const std::string llama3 =
      R"({"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}}]}})";
  EXPECT_EQ(gguf_pre_tokenizer_name(llama3), "llama-bpe");
  EXPECT_EQ(gguf_pre_tokenizer_name(R"({"pre_tokenizer": {"type": "ByteLevel", "use_regex": true}})"), "gpt-2");
  EXPECT_EQ(gguf_pre_tokenizer_name(R"({"pre_tokenizer": {"type": "ByteLevel", "use_regex": false}})"), "default");
}

}  // namespace
}  // namespace hone
