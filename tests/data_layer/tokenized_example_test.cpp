// The pre-tokenized record {"input_ids", "labels"}: labels default to the ids, and each kind of
// bad record is an error naming the key (and, through read_tokens_jsonl, the file and line).
#include <gtest/gtest.h>

#include "hone/data/tokenized_example.h"
#include "hone/util/error.h"

namespace hone {
namespace {

std::string error_of(const std::string& text, int64_t vocab = 0) {
  try {
    parse_tokens_record(nlohmann::json::parse(text), vocab);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TokenizedExample, LabelsDefaultToTheIds) {
  const TokenizedExample a = parse_tokens_record(nlohmann::json::parse(R"({"input_ids": [1, 5, 9]})"), 10);
  EXPECT_EQ(a.input_ids, (std::vector<int32_t>{1, 5, 9}));
  EXPECT_EQ(a.labels, a.input_ids);
  const TokenizedExample b = parse_tokens_record(nlohmann::json::parse(R"({"input_ids": [1, 5], "labels": [-100, 5]})"));
  EXPECT_EQ(b.labels, (std::vector<int32_t>{kIgnoreLabel, 5}));
}

TEST(TokenizedExample, BadRecordsNameTheProblem) {
  EXPECT_NE(error_of("[1, 2]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"ids": [1]})").find("missing key \"input_ids\""), std::string::npos);
  EXPECT_NE(error_of(R"({"input_ids": []})").find("is empty"), std::string::npos);
  EXPECT_NE(error_of(R"({"input_ids": "1 2"})").find("must be an array"), std::string::npos);
  EXPECT_NE(error_of(R"({"input_ids": [1, 2.5]})").find("'input_ids'[1] must be an integer"), std::string::npos);
  EXPECT_NE(error_of(R"({"input_ids": [1, -3]})").find("negative"), std::string::npos);
  EXPECT_NE(error_of(R"({"input_ids": [1, 10]})", 10).find("outside the model's vocabulary of 10"), std::string::npos);
  EXPECT_NE(error_of(R"({"input_ids": [1, 2], "labels": [1]})").find("\"labels\" has 1 entries"), std::string::npos);
  EXPECT_NE(error_of(R"({"input_ids": [1, 2], "labels": [1, -5]})").find("neither -100 nor a token id"), std::string::npos);
  EXPECT_NE(error_of(R"({"input_ids": [1, 4294967296]})").find("does not fit in 32 bits"), std::string::npos);
}

TEST(TokenizedExample, FileErrorsCarryTheLine) {
  const std::string data = std::string(HONE_TEST_DATA_DIR) + "/eval/tokens.jsonl";
  EXPECT_EQ(read_tokens_jsonl(data, 96).size(), 5u);
  try {
    read_tokens_jsonl(data, 50);  // line 1 has id 88
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(data + ":1: 'input_ids'[4] = 88 is outside", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace hone
