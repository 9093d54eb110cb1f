#include "hone/data/tokenized_example.h"

#include <limits>

#include "hone/data/jsonl.h"
#include "hone/util/error.h"

namespace hone {

namespace {
std::vector<int32_t> int_array(const nlohmann::json& record, const char* key) {
  const auto& v = record.at(key);
  HONE_CHECK(v.is_array(), "'", key, "' must be an array of integers, got ", v.type_name());
  std::vector<int32_t> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    HONE_CHECK(v[i].is_number_integer(), "'", key, "'[", i, "] must be an integer, got ", v[i].dump());
    const int64_t x = v[i].get<int64_t>();
    HONE_CHECK(x >= std::numeric_limits<int32_t>::min() && x <= std::numeric_limits<int32_t>::max(), "'", key, "'[",
               i, "] = ", x, " does not fit in 32 bits");
    out.push_back(int32_t(x));
  }
  return out;
}
}  // namespace

TokenizedExample parse_tokens_record(const nlohmann::json& record, int64_t vocab_size) {
  HONE_CHECK(record.is_object(), "expected a JSON object with \"input_ids\", got ", record.type_name());
  HONE_CHECK(record.contains("input_ids"), "missing key \"input_ids\"");
  TokenizedExample ex;
  ex.input_ids = int_array(record, "input_ids");
  HONE_CHECK(!ex.input_ids.empty(), "\"input_ids\" is empty");
  for (size_t i = 0; i < ex.input_ids.size(); ++i) {
    HONE_CHECK(ex.input_ids[i] >= 0, "'input_ids'[", i, "] = ", ex.input_ids[i], " is negative");
    HONE_CHECK(vocab_size <= 0 || ex.input_ids[i] < vocab_size, "'input_ids'[", i, "] = ", ex.input_ids[i],
               " is outside the model's vocabulary of ", vocab_size);
  }
  if (record.contains("labels")) {
    ex.labels = int_array(record, "labels");
    HONE_CHECK(ex.labels.size() == ex.input_ids.size(), "\"labels\" has ", ex.labels.size(), " entries but \"input_ids\" has ",
               ex.input_ids.size());
    for (size_t i = 0; i < ex.labels.size(); ++i)
      HONE_CHECK(ex.labels[i] == kIgnoreLabel || (ex.labels[i] >= 0 && (vocab_size <= 0 || ex.labels[i] < vocab_size)),
                 "'labels'[", i, "] = ", ex.labels[i], " is neither -100 nor a token id");
  } else {
    ex.labels = ex.input_ids;
  }
  return ex;
}

std::vector<TokenizedExample> read_tokens_jsonl(const std::string& path, int64_t vocab_size) {
  std::vector<TokenizedExample> out;
  for_each_jsonl(path, [&](int64_t, const nlohmann::json& value) { out.push_back(parse_tokens_record(value, vocab_size)); });
  HONE_CHECK(!out.empty(), path, ": no records");
  return out;
}

}  // namespace hone
