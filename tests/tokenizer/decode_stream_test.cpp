// Streaming decoding: fed one id at a time, the pieces join to the full decode, and no piece ever
// holds a broken UTF-8 sequence (bytes of one character split across byte-level or byte-fallback
// tokens are held back). Also the UTF-8 helpers it relies on.
#include "hone/tokenizer/decode_stream.h"

#include <gtest/gtest.h>

#include "hone/tokenizer/utf8.h"
#include "reference_tokenizers.h"

namespace hone {
namespace {

const std::string kText = "Streaming 👩‍👩‍👧‍👦 and 🇯🇵 with 日本語, café, Привет!\n  done 👍🏽";

void check_stream(const Tokenizer& tokenizer, const std::vector<int32_t>& ids) {
  DecodeStream stream(tokenizer, /*skip_special_tokens=*/true);
  std::string joined;
  size_t held_back_steps = 0;
  for (int32_t id : ids) {
    const std::string piece = stream.step(id);
    EXPECT_EQ(utf8::valid_prefix_length(piece), piece.size()) << "broken UTF-8 emitted";
    EXPECT_EQ(piece.find(utf8::kReplacementUtf8), std::string::npos) << "U+FFFD emitted for a partial character";
    held_back_steps += piece.empty();
    joined += piece;
  }
  joined += stream.flush();
  EXPECT_EQ(joined, tokenizer.decode(ids, {.skip_special_tokens = true, .clean_up_tokenization_spaces = false}));
  EXPECT_EQ(joined, kText);
  // Emoji are several byte tokens each, so some steps must have held their bytes back.
  EXPECT_GT(held_back_steps, 0u);
}

TEST(DecodeStream, ByteLevelTokenizerNeverEmitsPartialCharacters) {
  const Tokenizer tokenizer = Tokenizer::load(testing::reference_tokenizer_folders().at(1));
  check_stream(tokenizer, tokenizer.encode(kText, true));
}

TEST(DecodeStream, ByteFallbackTokenizerNeverEmitsPartialCharacters) {
  const Tokenizer tokenizer = Tokenizer::load(testing::reference_tokenizer_folders().at(0));
  check_stream(tokenizer, tokenizer.encode(kText, true));
}

TEST(DecodeStream, FlushGivesAnUnfinishedCharacterAsReplacement) {
  const Tokenizer tokenizer = Tokenizer::load(testing::reference_tokenizer_folders().at(0));
  const auto lead_byte = tokenizer.token_to_id("<0xF0>");
  ASSERT_TRUE(lead_byte);
  DecodeStream stream(tokenizer);
  EXPECT_EQ(stream.step(*tokenizer.token_to_id("▁ok")), "ok");
  EXPECT_EQ(stream.step(*lead_byte), "");
  EXPECT_EQ(stream.flush(), std::string(utf8::kReplacementUtf8));
}

TEST(Utf8, LossyReplacementFollowsTheMaximalSubpartRule) {
  EXPECT_EQ(utf8::to_valid_lossy("ok"), "ok");
  // F0 9F 91 is a truncated 4-byte sequence: one U+FFFD. C0 and FF are never valid: one each.
  EXPECT_EQ(utf8::to_valid_lossy("a\xF0\x9F\x91z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(utf8::to_valid_lossy("\xC0\xFF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  // A surrogate (ED A0 80) is three invalid subparts.
  EXPECT_EQ(utf8::to_valid_lossy("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Utf8, IncompleteSequencesAreToldApartFromInvalidOnes) {
  EXPECT_TRUE(utf8::ends_with_incomplete_sequence("ab\xF0\x9F"));
  EXPECT_TRUE(utf8::ends_with_incomplete_sequence("\xE6\x97"));
  EXPECT_FALSE(utf8::ends_with_incomplete_sequence("ab\xF0\x9F\x91\x8D"));
  EXPECT_FALSE(utf8::ends_with_incomplete_sequence("ab\xFF"));
  EXPECT_FALSE(utf8::ends_with_incomplete_sequence("\xF0\x41"));
  EXPECT_EQ(utf8::valid_prefix_length("ab\xF0\x9F"), 2u);
}

}  // namespace
}  // namespace hone
