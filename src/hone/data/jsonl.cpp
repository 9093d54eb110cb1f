#include "hone/data/jsonl.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "hone/util/error.h"

namespace hone {

int64_t for_each_jsonl(const std::string& path,
                       const std::function<void(int64_t, const nlohmann::json&)>& record, bool skip_bad_lines,
                       const std::function<void(const std::string&)>& on_skipped) {
  std::ifstream in(path);
  HONE_CHECK(in, path, ": cannot open: ", std::strerror(errno));
  std::string line;
  int64_t number = 0, skipped = 0;
  auto skip_or_throw = [&](int64_t line_number, const std::string& what) {
    std::string message = path + ":" + std::to_string(line_number) + ": " + what;
    if (!skip_bad_lines) throw Error(message);
    ++skipped;
    if (on_skipped) on_skipped(message);
  };
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      nlohmann::json value;
      try {
        value = nlohmann::json::parse(line);
      } catch (const nlohmann::json::parse_error& e) {
        // nlohmann's message starts "[json.exception.parse_error.101] parse error at line 1, ";
        // the line is ours to name, so keep the column and the reason.
        std::string what = e.what();
        const auto column = what.find("column ");
        throw Error("not valid JSON: " + (column == std::string::npos ? what : what.substr(column)));
      }
      record(number, value);
    } catch (const Error& e) {
      skip_or_throw(number, e.what());
    } catch (const nlohmann::json::exception& e) {
      skip_or_throw(number, e.what());
    }
  }
  HONE_CHECK(!in.bad(), path, ": read error: ", std::strerror(errno));
  return skipped;
}

}  // namespace hone
