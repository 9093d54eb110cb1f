// JSON Lines input: one JSON value per line, blank lines skipped. Every problem is reported as
// "<file>:<line>: <what>", the position a user needs to fix the data.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace hone {

// Calls record(line_number, value) for each non-blank line (line numbers start at 1). A line
// that is not valid JSON, or an Error thrown by `record`, becomes an Error prefixed with
// "<path>:<line>: ". With skip_bad_lines, such lines are counted and skipped instead; the count
// is returned, and `on_skipped` (when set) hears each one as "<path>:<line>: <what>" so the
// caller can show the user what was dropped.
int64_t for_each_jsonl(const std::string& path,
                       const std::function<void(int64_t line, const nlohmann::json& value)>& record,
                       bool skip_bad_lines = false,
                       const std::function<void(const std::string& message)>& on_skipped = nullptr);

}  // namespace hone
