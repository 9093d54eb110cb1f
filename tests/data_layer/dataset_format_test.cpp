#include "hone/data/dataset_format.h"

#include <gtest/gtest.h>

#include "hone/util/error.h"

namespace hone {
namespace {

TEST(DatasetFormat, DetectsEachFormatFromItsKeys) {
  using nlohmann::json;
  EXPECT_EQ(detect_dataset_format(json{{"text", "a"}}), DatasetFormat::Text);
  EXPECT_EQ(detect_dataset_format(json{{"prompt", "a"}, {"completion", "b"}}), DatasetFormat::Completion);
  EXPECT_EQ(detect_dataset_format(json{{"instruction", "a"}, {"input", ""}, {"output", "b"}}), DatasetFormat::Alpaca);
  EXPECT_EQ(detect_dataset_format(json{{"messages", json::array()}}), DatasetFormat::Messages);
  EXPECT_EQ(detect_dataset_format(json{{"input_ids", json::array({1, 2})}}), DatasetFormat::Tokens);
  // More specific keys win over a stray "text".
  EXPECT_EQ(detect_dataset_format(json{{"text", "a"}, {"messages", json::array()}}), DatasetFormat::Messages);
  EXPECT_EQ(detect_dataset_format(json{{"prompt", "a"}}), std::nullopt);
  EXPECT_EQ(detect_dataset_format(json::array({1})), std::nullopt);
}

TEST(DatasetFormat, NamesRoundTripAndUnknownNamesListTheChoices) {
  for (auto f : {DatasetFormat::Text, DatasetFormat::Completion, DatasetFormat::Alpaca, DatasetFormat::Messages,
                 DatasetFormat::Tokens})
    EXPECT_EQ(parse_dataset_format(dataset_format_name(f)), f);
  try {
    parse_dataset_format("sharegpt");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"sharegpt\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("messages"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hone
