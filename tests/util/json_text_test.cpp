// parse_json: bad syntax and numbers outside double's range (1e999, which nlohmann reports as
// out_of_range, not parse_error) both become one hone::Error naming the source and key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "hone/util/atomic_file.h"
#include "hone/util/error.h"
#include "hone/util/json_text.h"

namespace hone {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(JsonText, NumberOutOfRangeNamesTheSourceAndKey) {
  EXPECT_EQ(error_of([] { parse_json(R"({"a": 1, "dropout": 1e999})", "x/config.json"); }),
            "x/config.json: key 'dropout': number overflow parsing '1e999'");
  EXPECT_EQ(error_of([] { parse_ordered_json(R"({"ids": [1, -1e999]})", "m.json"); }),
            "m.json: key 'ids': number overflow parsing '-1e999'");
  EXPECT_EQ(error_of([] { parse_json("[1e400]", "top.json"); }), "top.json: a value: number overflow parsing '1e400'");
}

TEST(JsonText, BadSyntaxSaysNotValidJson) {
  const std::string e = error_of([] { parse_json("{\"a\": ", "f.json"); });
  EXPECT_EQ(e.rfind("f.json: not valid JSON: ", 0), 0u) << e;
  EXPECT_EQ(e.find("[json.exception"), std::string::npos) << e;
}

TEST(JsonText, ValidTextParses) {
  EXPECT_EQ(parse_json(R"({"a": [1, 2.5e300]})", "ok.json")["a"][1].get<double>(), 2.5e300);
}

// A directory named where a file is expected used to read as empty text ("not valid JSON").
TEST(JsonText, ADirectoryIsNotReadAsAnEmptyFile) {
  const std::string dir = (std::filesystem::temp_directory_path() / ("hone_json_dir_" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir + "/config.json");
  EXPECT_EQ(error_of([&] { read_json_file(dir + "/config.json"); }), dir + "/config.json: is a directory, expected a file");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hone
