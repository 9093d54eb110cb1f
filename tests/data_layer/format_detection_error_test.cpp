// A JSONL file in which no line is valid JSON used to say only "no record with the keys of a
// known dataset format"; the error now names the first bad line (issue 11, item 12).
#include <gtest/gtest.h>

#include "data_layer/data_test_support.h"
#include "hone/data/dataset.h"
#include "hone/tokenizer/tokenizer.h"
#include "hone/util/error.h"

namespace hone {
namespace {

TEST(FormatDetection, EveryLineBadNamesTheFirstBadLine) {
  const Tokenizer tokenizer = Tokenizer::load(std::string(HONE_TEST_DATA_DIR) + "/inference/bytelevel_llama");
  const std::string path = testing::write_jsonl("all_bad.jsonl", {"{\"text\": ", "not json at all"});
  try {
    load_dataset(path, DatasetOptions{}, &tokenizer);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(path + ":1: not valid JSON", 0), 0u) << what;
    EXPECT_NE(what.find("no line of " + path + " is a usable record"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace hone
