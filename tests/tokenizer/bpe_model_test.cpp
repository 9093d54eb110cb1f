// The BPE model on tiny hand-written vocabularies: merge order, both merge forms, ignore_merges,
// unknown characters, byte fallback, subword prefix and word suffix, and load errors.
#include "hone/tokenizer/bpe_model.h"

#include <gtest/gtest.h>

#include "hone/util/error.h"

namespace hone {
namespace {

using nlohmann::json;

json vocab_of(const std::vector<std::string>& tokens) {
  json vocab = json::object();
  for (size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = i;
  return vocab;
}

std::vector<int32_t> encode(const BpeModel& model, const std::string& word) {
  std::vector<int32_t> ids;
  model.encode_word(word, ids);
  return ids;
}

TEST(BpeModel, MergesLowestRankFirstInBothForms) {
  // "abc": a b (rank 0) wins over b c (rank 1), then ab c.
  const json vocab = vocab_of({"a", "b", "c", "ab", "bc", "abc"});
  const BpeModel strings({{"type", "BPE"}, {"vocab", vocab}, {"merges", {"a b", "b c", "ab c"}}}, "model");
  const BpeModel pairs({{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array({json::array({"a", "b"}), json::array({"b", "c"}), json::array({"ab", "c"})})}}, "model");
  EXPECT_EQ(encode(strings, "abc"), (std::vector<int32_t>{5}));
  EXPECT_EQ(encode(pairs, "abc"), (std::vector<int32_t>{5}));
  EXPECT_EQ(encode(strings, "bca"), (std::vector<int32_t>{4, 0}));
  // Swapping the first two ranks changes the result: b c first, then nothing merges "a bc".
  const BpeModel swapped({{"type", "BPE"}, {"vocab", vocab}, {"merges", {"b c", "a b", "ab c"}}}, "model");
  EXPECT_EQ(encode(swapped, "abc"), (std::vector<int32_t>{0, 4}));
  // Equal ranks: leftmost first ("aaa" -> "aa a").
  const BpeModel repeats({{"type", "BPE"}, {"vocab", vocab_of({"a", "aa"})}, {"merges", {"a a"}}}, "model");
  EXPECT_EQ(encode(repeats, "aaa"), (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(encode(repeats, "aaaa"), (std::vector<int32_t>{1, 1}));
}

TEST(BpeModel, PairFormAllowsSpacesInTokens) {
  const BpeModel model({{"type", "BPE"}, {"vocab", vocab_of({"a", " ", "a ", "a a"})}, {"merges", json::array({json::array({"a", " "}), json::array({"a ", "a"})})}}, "model");
  EXPECT_EQ(encode(model, "a a"), (std::vector<int32_t>{3}));
}

TEST(BpeModel, IgnoreMergesTakesWholeWordsFromTheVocabulary) {
  // "abc" is in the vocabulary but no merge path leads to it.
  const json vocab = vocab_of({"a", "b", "c", "ab", "abc"});
  const json base = {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"a b"}}};
  json ignoring = base;
  ignoring["ignore_merges"] = true;
  EXPECT_EQ(encode(BpeModel(base, "model"), "abc"), (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(encode(BpeModel(ignoring, "model"), "abc"), (std::vector<int32_t>{4}));
}

TEST(BpeModel, UnknownCharactersUseUnkAndFuse) {
  const json vocab = vocab_of({"<unk>", "a", "b"});
  json config = {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}, {"unk_token", "<unk>"}};
  EXPECT_EQ(encode(BpeModel(config, "model"), "axyb"), (std::vector<int32_t>{1, 0, 0, 2}));
  config["fuse_unk"] = true;
  EXPECT_EQ(encode(BpeModel(config, "model"), "axyb"), (std::vector<int32_t>{1, 0, 2}));
  // Without an unk token the crate drops unknown characters.
  config.erase("unk_token");
  EXPECT_EQ(encode(BpeModel(config, "model"), "axyb"), (std::vector<int32_t>{1, 2}));
}

TEST(BpeModel, ByteFallbackSpellsUnknownCharactersAsBytes) {
  std::vector<std::string> tokens = {"<unk>", "▁", "h", "i"};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    tokens.push_back(name);
  }
  const json config = {{"type", "BPE"}, {"vocab", vocab_of(tokens)}, {"merges", json::array()}, {"unk_token", "<unk>"},
                       {"byte_fallback", true}};
  const BpeModel model(config, "model");
  // "é" is C3 A9: ids 4 + 0xC3 and 4 + 0xA9.
  EXPECT_EQ(encode(model, "hé"), (std::vector<int32_t>{2, 4 + 0xC3, 4 + 0xA9}));
}

TEST(BpeModel, ContinuingSubwordPrefixAndEndOfWordSuffix) {
  const json prefixed_vocab = vocab_of({"a", "##b", "##c", "a##b", "ab", "##bc"});
  // The merged token drops the right side's prefix: "a" + "##b" -> "ab".
  const BpeModel prefixed({{"type", "BPE"}, {"vocab", prefixed_vocab}, {"merges", {"a ##b"}}, {"continuing_subword_prefix", "##"}},
                          "model");
  EXPECT_EQ(encode(prefixed, "abc"), (std::vector<int32_t>{4, 2}));
  const json suffixed_vocab = vocab_of({"a", "b</w>", "ab</w>"});
  const BpeModel suffixed({{"type", "BPE"}, {"vocab", suffixed_vocab}, {"merges", {"a b</w>"}}, {"end_of_word_suffix", "</w>"}},
                          "model");
  EXPECT_EQ(encode(suffixed, "ab"), (std::vector<int32_t>{2}));
}

TEST(BpeModel, CacheGivesTheSameIdsTwice) {
  const BpeModel model({{"type", "BPE"}, {"vocab", vocab_of({"a", "b", "ab"})}, {"merges", {"a b"}}}, "model");
  const auto first = encode(model, "abab");
  EXPECT_EQ(first, (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(encode(model, "abab"), first);
}

std::string load_error(const json& config) {
  try {
    BpeModel model(config, "model");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(BpeModel, LoadErrorsNameTheEntry) {
  const json vocab = vocab_of({"a", "b", "ab"});
  EXPECT_NE(load_error({{"vocab", vocab}, {"merges", {"a b", "a c"}}}).find("model.merges[1]: merge token \"c\" is not in the vocabulary"),
            std::string::npos);
  EXPECT_NE(load_error({{"vocab", vocab}, {"merges", {"ab"}}}).find("model.merges[0]"), std::string::npos);
  EXPECT_NE(load_error({{"vocab", vocab}, {"merges", {"b a"}}}).find("merged token \"ba\""), std::string::npos);
  EXPECT_NE(load_error({{"vocab", vocab}, {"merges", {"a b"}}, {"dropout", 0.1}}).find("model.dropout"), std::string::npos);
  EXPECT_NE(load_error({{"vocab", {{"a", -1}}}, {"merges", json::array()}}).find("model.vocab"), std::string::npos);
  EXPECT_NE(load_error({{"vocab", {{"a", 0}, {"b", 0}}}, {"merges", json::array()}}).find("id 0 is given to both"), std::string::npos);
  EXPECT_NE(load_error({{"merges", json::array()}}).find("model.vocab: missing"), std::string::npos);
}

}  // namespace
}  // namespace hone
