// for_each_jsonl: blank lines skipped, CRLF accepted, and every problem reported as file:line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "hone/data/jsonl.h"
#include "hone/util/error.h"

namespace hone {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()) + ".jsonl")).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Jsonl, VisitsEachRecordWithItsLineNumber) {
  const std::string path = write_temp("jsonl_ok", "{\"a\": 1}\n\n   \n{\"a\": 2}\r\n[3]\n");
  std::vector<std::pair<int64_t, std::string>> seen;
  EXPECT_EQ(for_each_jsonl(path, [&](int64_t line, const nlohmann::json& v) { seen.emplace_back(line, v.dump()); }), 0);
  EXPECT_EQ(seen, (std::vector<std::pair<int64_t, std::string>>{{1, "{\"a\":1}"}, {4, "{\"a\":2}"}, {5, "[3]"}}));
  std::filesystem::remove(path);
}

TEST(Jsonl, ErrorsNameTheFileAndLine) {
  const std::string path = write_temp("jsonl_bad", "{\"a\": 1}\n{\"a\": \n{\"b\": 1}\n");
  std::string e = error_of([&] { for_each_jsonl(path, [](int64_t, const nlohmann::json&) {}); });
  EXPECT_EQ(e.rfind(path + ":2: not valid JSON", 0), 0u) << e;
  e = error_of([&] {
    for_each_jsonl(path, [](int64_t, const nlohmann::json& v) { HONE_CHECK(v.contains("a"), "missing key \"a\""); }, true);
    for_each_jsonl(write_temp("jsonl_bad2", "{\"a\": 1}\n{\"b\": 1}\n"),
                   [](int64_t, const nlohmann::json& v) { HONE_CHECK(v.contains("a"), "missing key \"a\""); });
  });
  EXPECT_NE(e.find(":2: missing key \"a\""), std::string::npos) << e;
  e = error_of([] { for_each_jsonl("/nonexistent/x.jsonl", [](int64_t, const nlohmann::json&) {}); });
  EXPECT_EQ(e.rfind("/nonexistent/x.jsonl: cannot open", 0), 0u) << e;
  std::filesystem::remove(path);
}

TEST(Jsonl, SkipBadLinesCountsThem) {
  const std::string path = write_temp("jsonl_skip", "{\"a\": 1}\nnot json\n{\"b\": 2}\n{\"a\": 3}\n");
  int64_t sum = 0;
  const int64_t skipped = for_each_jsonl(
      path, [&](int64_t, const nlohmann::json& v) { sum += v.at("a").get<int64_t>(); }, true);
  EXPECT_EQ(skipped, 2);  // the invalid line and the record without "a" (a json exception)
  EXPECT_EQ(sum, 4);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace hone
