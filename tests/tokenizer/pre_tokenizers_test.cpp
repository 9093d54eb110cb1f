// Each pre-tokenizer and every split behavior, on the examples the tokenizers crate documents.
#include "hone/tokenizer/pre_tokenizers.h"

#include <gtest/gtest.h>

#include "hone/util/error.h"

namespace hone {
namespace {

using nlohmann::json;
using Pieces = std::vector<std::string>;

Pieces pre_tokenize(const json& config, const std::string& text, bool at_text_start = true) {
  auto pre_tokenizer = make_pre_tokenizer(config, "pre_tokenizer");
  EXPECT_NE(pre_tokenizer, nullptr);
  PreTokenized in, out;
  in.add(text, at_text_start);
  pre_tokenizer->pre_tokenize(in, out);
  Pieces pieces;
  for (const auto& piece : out.pieces) pieces.emplace_back(out.view(piece));
  return pieces;
}

json split(const std::string& behavior, bool invert = false) {
  return {{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", invert}};
}

TEST(PreTokenizers, SplitEveryBehavior) {
  const std::string text = "the-final--countdown";
  EXPECT_EQ(pre_tokenize(split("Removed"), text), (Pieces{"the", "final", "countdown"}));
  EXPECT_EQ(pre_tokenize(split("Isolated"), text), (Pieces{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(pre_tokenize(split("MergedWithPrevious"), text), (Pieces{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(pre_tokenize(split("MergedWithNext"), text), (Pieces{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(pre_tokenize(split("Contiguous"), text), (Pieces{"the", "-", "final", "--", "countdown"}));
}

TEST(PreTokenizers, SplitInvertKeepsTheMatchesAsPieces) {
  const json words = {{"type", "Split"}, {"pattern", {{"Regex", "\\p{L}+"}}}, {"behavior", "Removed"}, {"invert", true}};
  EXPECT_EQ(pre_tokenize(words, "héllo, wörld!"), (Pieces{"héllo", "wörld"}));
  EXPECT_EQ(pre_tokenize(split("Removed", true), "a-b"), (Pieces{"-"}));
}

TEST(PreTokenizers, SplitRegexWithUnicodePropertiesAndLookahead) {
  // Llama 3's pattern: letters, numbers in runs of at most three, and whitespace that leaves the
  // last space to the following word.
  const json llama3 = {{"type", "Split"},
                       {"pattern",
                        {{"Regex",
                          "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
                          "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}}},
                       {"behavior", "Isolated"},
                       {"invert", false}};
  EXPECT_EQ(pre_tokenize(llama3, "I'M 12345 fine   ok\n\nбыть"),
            (Pieces{"I", "'M", " ", "123", "45", " fine", "  ", " ok", "\n\n", "быть"}));
  // U+0085 (NEXT LINE) is whitespace for Oniguruma, so it must be for us too.
  EXPECT_EQ(pre_tokenize(llama3, "a\xC2\x85\xC2\x85 b"), (Pieces{"a", "\xC2\x85\xC2\x85", " b"}));
}

TEST(PreTokenizers, ByteLevelMapsBytesAndSplitsLikeGpt2) {
  const json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  EXPECT_EQ(pre_tokenize(byte_level, "Hello my friend, how is your day going?"),
            (Pieces{"Hello", "Ġmy", "Ġfriend", ",", "Ġhow", "Ġis", "Ġyour", "Ġday", "Ġgoing", "?"}));
  const json prefixed = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", false}};
  // é is two bytes (C3 A9), shown as "Ã©"; a newline is "Ċ".
  EXPECT_EQ(pre_tokenize(prefixed, "café\n"), (Pieces{"ĠcafÃ©Ċ"}));
  EXPECT_EQ(pre_tokenize(prefixed, " x"), (Pieces{"Ġx"}));
}

TEST(PreTokenizers, MetaspacePrependSchemesAndSplit) {
  const json always = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "always"}, {"split", true}};
  EXPECT_EQ(pre_tokenize(always, "Hey friend!"), (Pieces{"▁Hey", "▁friend!"}));
  EXPECT_EQ(pre_tokenize(always, "Hey   friend!"), (Pieces{"▁Hey", "▁", "▁", "▁friend!"}));
  EXPECT_EQ(pre_tokenize(always, "later piece", false), (Pieces{"▁later", "▁piece"}));
  const json first = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "first"}, {"split", false}};
  EXPECT_EQ(pre_tokenize(first, "Hey friend", true), (Pieces{"▁Hey▁friend"}));
  EXPECT_EQ(pre_tokenize(first, "Hey friend", false), (Pieces{"Hey▁friend"}));
  const json never = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "never"}, {"split", false}};
  EXPECT_EQ(pre_tokenize(never, "Hey friend"), (Pieces{"Hey▁friend"}));
  // Older files give add_prefix_space instead of prepend_scheme.
  const json legacy = {{"type", "Metaspace"}, {"replacement", "▁"}, {"add_prefix_space", false}};
  EXPECT_EQ(pre_tokenize(legacy, "Hey friend"), (Pieces{"Hey", "▁friend"}));
}

TEST(PreTokenizers, DigitsIndividualOrContiguous) {
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", true}}, "Hey 123 friend!"),
            (Pieces{"Hey ", "1", "2", "3", " friend!"}));
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", false}}, "Hey 123 friend!"),
            (Pieces{"Hey ", "123", " friend!"}));
}

TEST(PreTokenizers, WhitespaceAndWhitespaceSplit) {
  EXPECT_EQ(pre_tokenize({{"type", "Whitespace"}}, "How are you doing?"), (Pieces{"How", "are", "you", "doing", "?"}));
  EXPECT_EQ(pre_tokenize({{"type", "Whitespace"}}, "Hey man!"), (Pieces{"Hey", "man", "!"}));
  EXPECT_EQ(pre_tokenize({{"type", "Whitespace"}}, "\n"), Pieces{});
  EXPECT_EQ(pre_tokenize({{"type", "WhitespaceSplit"}}, "Hey man!\u3000ok"), (Pieces{"Hey", "man!", "ok"}));
}

TEST(PreTokenizers, PunctuationIsolatedByDefault) {
  EXPECT_EQ(pre_tokenize({{"type", "Punctuation"}}, "Hey friend!     How are you?!?"),
            (Pieces{"Hey friend", "!", "     How are you", "?", "!", "?"}));
  EXPECT_EQ(pre_tokenize({{"type", "Punctuation"}, {"behavior", "Contiguous"}}, "Hi?!? «yes»"),
            (Pieces{"Hi", "?!?", " ", "«", "yes", "»"}));
}

TEST(PreTokenizers, SequenceChainsSteps) {
  const json sequence = {{"type", "Sequence"},
                         {"pretokenizers",
                          {{{"type", "WhitespaceSplit"}},
                           {{"type", "Digits"}, {"individual_digits", true}},
                           {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Punctuation"}}}}}}}};
  EXPECT_EQ(pre_tokenize(sequence, "ab12 c,d"), (Pieces{"ab", "1", "2", "c", ",", "d"}));
}

TEST(PreTokenizers, ErrorsNameTheComponentPath) {
  const json config = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Split"}, {"pattern", {{"String", "x"}}}, {"behavior", "Sideways"}}}}};
  try {
    make_pre_tokenizer(config, "pre_tokenizer");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pre_tokenizer.pretokenizers[0].behavior: unknown split behavior \"Sideways\""),
              std::string::npos)
        << e.what();
  }
  try {
    make_pre_tokenizer({{"type", "BertPreTokenizer"}}, "pre_tokenizer");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pre_tokenizer: unknown pre-tokenizer type \"BertPreTokenizer\""), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(make_pre_tokenizer({{"type", "Metaspace"}, {"prepend_scheme", "sometimes"}}, "pre_tokenizer"), Error);
}

}  // namespace
}  // namespace hone
