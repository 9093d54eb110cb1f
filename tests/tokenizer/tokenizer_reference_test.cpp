// hone's tokenizer against the reference: Tokenizers.js encodes a varied corpus
// (tests/data/tokenizer_corpus.json) with the real Llama 2, Llama 3 and Qwen3 tokenizers, and
// hone must give identical ids with and without special tokens, the same decoded text, and a
// lossless round trip.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hone/tokenizer/tokenizer.h"
#include "hone/util/atomic_file.h"
#include "reference_tokenizers.h"

namespace hone {
namespace {

using nlohmann::json;

const std::string kCorpus = std::string(HONE_TEST_DATA_DIR) + "/tokenizer_corpus.json";

// Runs the reference once for the whole suite (loading three tokenizers in node takes seconds).
const json& reference_output() {
  static const json output = [] {
    std::string command = "node '" + std::string(HONE_SOURCE_DIR) + "/tests/reference/tokenizer_reference.mjs' '" +
                          testing::reference_npm_dir() + "' '" + kCorpus + "'";
    for (const std::string& folder : testing::reference_tokenizer_folders()) command += " '" + folder + "'";
    return json::parse(testing::run_command(command));
  }();
  return output;
}

void check_against_reference(size_t folder_index) {
  const std::string folder = testing::reference_tokenizer_folders().at(folder_index);
  const json corpus = json::parse(read_file(kCorpus));
  const json& expected = reference_output().at(folder);
  const Tokenizer tokenizer = Tokenizer::load(folder);
  ASSERT_EQ(expected.size(), corpus["cases"].size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const json& want = expected[i];
    const json& input = corpus["cases"][i];
    const std::string text = input["text"];
    SCOPED_TRACE("case \"" + want["name"].get<std::string>() + "\"");
    const std::vector<int32_t> ids = tokenizer.encode(text, true);
    EXPECT_EQ(ids, want["ids"].get<std::vector<int32_t>>());
    const std::vector<int32_t> plain_ids = tokenizer.encode(text, false);
    EXPECT_EQ(plain_ids, want["ids_no_special"].get<std::vector<int32_t>>());
    // Tokenizers.js cleans up tokenization spaces by default where the config says nothing.
    DecodeOptions like_reference;
    like_reference.clean_up_tokenization_spaces = tokenizer.config().clean_up_tokenization_spaces.value_or(true);
    EXPECT_EQ(tokenizer.decode(ids, like_reference), want["decoded"].get<std::string>());
    like_reference.skip_special_tokens = true;
    EXPECT_EQ(tokenizer.decode(ids, like_reference), want["decoded_skip_special"].get<std::string>());
    if (input["lossless"].get<bool>()) {
      DecodeOptions exact;  // special-token strings in the text come back as themselves
      exact.clean_up_tokenization_spaces = false;
      EXPECT_EQ(tokenizer.decode(plain_ids, exact), text) << "decoding the ids does not give the text back";
    }
  }
}

TEST(TokenizerReference, Llama2SentencePieceStyleMatchesTokenizersJs) { check_against_reference(0); }
TEST(TokenizerReference, Llama3ByteLevelMatchesTokenizersJs) { check_against_reference(1); }
TEST(TokenizerReference, Qwen3ByteLevelWithNfcMatchesTokenizersJs) { check_against_reference(2); }

}  // namespace
}  // namespace hone
