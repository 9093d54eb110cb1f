// Each normalizer of tokenizer.json on small inputs whose Hugging Face output is known.
#include "hone/tokenizer/normalizers.h"

#include <gtest/gtest.h>

#include "hone/util/error.h"

namespace hone {
namespace {

using nlohmann::json;

std::string normalize(const json& config, const std::string& text) {
  auto normalizer = make_normalizer(config, "normalizer");
  EXPECT_NE(normalizer, nullptr);
  return normalizer->normalize(text);
}

TEST(Normalizers, UnicodeForms) {
  const std::string decomposed = "cafe\xCC\x81";  // e + combining acute
  const std::string composed = "caf\xC3\xA9";
  EXPECT_EQ(normalize({{"type", "NFC"}}, decomposed), composed);
  EXPECT_EQ(normalize({{"type", "NFD"}}, composed), decomposed);
  // NFKC also folds compatibility characters: full-width letters and the "ﬁ" ligature.
  EXPECT_EQ(normalize({{"type", "NFKC"}}, "\xEF\xBC\xA1\xEF\xAC\x81 " + decomposed), "Afi " + composed);
  EXPECT_EQ(normalize({{"type", "NFKD"}}, "\xEF\xAC\x81" + composed), "fi" + decomposed);
}

TEST(Normalizers, LowercaseIsFullUnicodeLowercase) {
  EXPECT_EQ(normalize({{"type", "Lowercase"}}, "HeLLo ÀÉÎ ПРИВЕТ"), "hello àéî привет");
  // Final sigma and dotted capital I follow Rust's str::to_lowercase.
  EXPECT_EQ(normalize({{"type", "Lowercase"}}, "ΟΔΟΣ ΣΑ"), "οδος σα");
  EXPECT_EQ(normalize({{"type", "Lowercase"}}, "\xC4\xB0"), "i\xCC\x87");
}

TEST(Normalizers, PrependLeavesEmptyTextEmpty) {
  const json prepend = {{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}};
  EXPECT_EQ(normalize(prepend, "Hey"), "\xE2\x96\x81Hey");
  EXPECT_EQ(normalize(prepend, ""), "");
}

TEST(Normalizers, ReplaceWithStringAndRegex) {
  EXPECT_EQ(normalize({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "_"}}, "a b  c"), "a_b__c");
  EXPECT_EQ(normalize({{"type", "Replace"}, {"pattern", {{"Regex", "\\s+"}}}, {"content", " "}}, "a \t\n b"), "a b");
  EXPECT_EQ(normalize({{"type", "Replace"}, {"pattern", {{"Regex", "\\p{N}"}}}, {"content", "#"}}, "a1b٢"), "a#b#");
}

TEST(Normalizers, StripUsesUnicodeWhitespace) {
  const std::string text = "\xE3\x80\x80 \t hi there \n\xC2\xA0";
  EXPECT_EQ(normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}}, text), "hi there");
  EXPECT_EQ(normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", false}}, text), "hi there \n\xC2\xA0");
  EXPECT_EQ(normalize({{"type", "Strip"}, {"strip_left", false}, {"strip_right", true}}, text), "\xE3\x80\x80 \t hi there");
}

TEST(Normalizers, SequenceAppliesInOrder) {
  const json sequence = {{"type", "Sequence"},
                         {"normalizers",
                          {{{"type", "Lowercase"}},
                           {{"type", "Replace"}, {"pattern", {{"String", "a"}}}, {"content", "A"}},
                           {{"type", "Prepend"}, {"prepend", ">"}}}}};
  EXPECT_EQ(normalize(sequence, "BANANA"), ">bAnAnA");
}

TEST(Normalizers, NullIsNoNormalizer) { EXPECT_EQ(make_normalizer(json(nullptr), "normalizer"), nullptr); }

TEST(Normalizers, UnknownTypeNamesTypeAndPath) {
  const json config = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFC"}}, {{"type", "BertNormalizer"}}}}};
  try {
    make_normalizer(config, "normalizer");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("normalizer.normalizers[1]: unknown normalizer type \"BertNormalizer\""), std::string::npos)
        << e.what();
  }
}

TEST(Normalizers, BadRegexAndMissingKeysAreClearErrors) {
  EXPECT_THROW(make_normalizer({{"type", "Replace"}, {"pattern", {{"Regex", "(unclosed"}}}, {"content", ""}}, "normalizer"), Error);
  EXPECT_THROW(make_normalizer({{"type", "Prepend"}}, "normalizer"), Error);
  EXPECT_THROW(make_normalizer({{"type", "Replace"}, {"pattern", {{"Glob", "*"}}}, {"content", ""}}, "normalizer"), Error);
  EXPECT_THROW(make_normalizer({{"kind", "NFC"}}, "normalizer"), Error);
}

}  // namespace
}  // namespace hone
