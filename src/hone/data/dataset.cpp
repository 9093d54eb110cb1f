#include "hone/data/dataset.h"

#include <algorithm>
#include <cmath>

#include "hone/data/dataset_format.h"
#include "hone/data/example_builder.h"
#include "hone/data/jsonl.h"
#include "hone/data/seeded_permutation.h"
#include "hone/util/error.h"

namespace hone {

namespace {

constexpr size_t kMaxWarnings = 20;

// Thrown out of for_each_jsonl to end the detection scan (for_each_jsonl lets other types pass).
struct FormatFound {
  DatasetFormat format;
};
struct FormatUnknown {
  std::string message;
};

std::string key_list(const nlohmann::json& record) {
  if (!record.is_object()) return std::string("a JSON ") + record.type_name() + ", not an object";
  std::string keys;
  for (const auto& [key, value] : record.items()) keys += (keys.empty() ? "\"" : ", \"") + key + "\"";
  return keys.empty() ? "an empty object" : "keys " + keys;
}

// The format of the first valid record. Lines that are not JSON are left for the main pass to
// report (or skip); a JSON line whose keys match no format is the error here.
DatasetFormat detect_format(const std::string& path, bool skip_bad_lines) {
  std::string first_bad_line;  // "path:N: not valid JSON ...": named when no line is usable
  try {
    for_each_jsonl(
        path,
        [&](int64_t line, const nlohmann::json& record) {
          if (auto format = detect_dataset_format(record)) throw FormatFound{*format};
          if (!skip_bad_lines)
            throw FormatUnknown{cat(path, ":", line, ": cannot tell the dataset format from ", key_list(record),
                                    " (text: \"text\"; completion: \"prompt\" + \"completion\"; alpaca: \"instruction\" + "
                                    "\"output\"; messages: \"messages\"; tokens: \"input_ids\"), or set format")};
          throw Error("unrecognised record");
        },
        /*skip_bad_lines=*/true, [&](const std::string& message) {
          if (first_bad_line.empty()) first_bad_line = message;
        });
  } catch (const FormatFound& found) {
    return found.format;
  } catch (const FormatUnknown& unknown) {
    throw Error(unknown.message);
  }
  HONE_CHECK(first_bad_line.empty() || skip_bad_lines, first_bad_line, " (and no line of ", path, " is a usable record)");
  HONE_FAIL(path, ": no record with the keys of a known dataset format (", dataset_format_names(), ")");
}

void truncate(TokenizedExample& example, int64_t seq_len, bool keep_start) {
  const size_t keep = size_t(seq_len);
  if (keep_start) {
    example.input_ids.resize(keep);
    example.labels.resize(keep);
  } else {
    example.input_ids.erase(example.input_ids.begin(), example.input_ids.end() - long(keep));
    example.labels.erase(example.labels.begin(), example.labels.end() - long(keep));
  }
}

}  // namespace

int64_t scored_token_count(const TokenizedExample& example) {
  if (example.labels.size() < 2) return 0;
  return int64_t(std::count_if(example.labels.begin() + 1, example.labels.end(),
                               [](int32_t label) { return label != kIgnoreLabel; }));
}

Dataset load_dataset(const std::string& path, const DatasetOptions& options, const Tokenizer* tokenizer) {
  HONE_CHECK(options.seq_len >= 2, "seq_len must be at least 2, got ", options.seq_len);
  HONE_CHECK(options.truncation == "right" || options.truncation == "left", "truncation must be \"right\" or \"left\", got \"",
             options.truncation, "\"");
  const DatasetFormat format =
      options.format == "auto" ? detect_format(path, options.skip_bad_lines) : parse_dataset_format(options.format);
  const ExampleBuilder builder = with_context(path, [&] { return ExampleBuilder(format, tokenizer, options); });

  Dataset data;
  DatasetStats& stats = data.stats;
  stats.format = dataset_format_name(format);
  const bool keep_start = options.truncation == "right";
  stats.skipped_lines = for_each_jsonl(
      path,
      [&](int64_t, const nlohmann::json& record) {
        ScoredTokens tokens = builder.build(record);
        TokenizedExample& example = tokens.example;
        HONE_CHECK(!example.input_ids.empty(), "the record has no tokens");
        stats.split_boundaries += tokens.split_boundaries;
        if (int64_t(example.input_ids.size()) > options.seq_len) {
          truncate(example, options.seq_len, keep_start);
          ++stats.truncated;
        }
        const int64_t scored = scored_token_count(example);
        if (scored == 0) {
          ++stats.dropped_unscored;
          return;
        }
        stats.tokens += int64_t(example.input_ids.size());
        stats.scored_tokens += scored;
        data.examples.push_back(std::move(example));
      },
      options.skip_bad_lines,
      [&](const std::string& message) {
        if (stats.warnings.size() < kMaxWarnings) stats.warnings.push_back(message);
      });
  stats.examples = int64_t(data.examples.size());
  HONE_CHECK(!data.examples.empty(), path, ": no usable examples (", stats.skipped_lines, " bad lines skipped, ",
             stats.dropped_unscored, " examples with no scored token after truncation to ", options.seq_len, " tokens)");
  return data;
}

std::pair<Dataset, Dataset> split_validation(Dataset data, double fraction, uint64_t seed) {
  HONE_CHECK(fraction > 0.0 && fraction < 1.0, "val_split must be a fraction between 0 and 1 (exclusive), got ", fraction);
  const int64_t n = int64_t(data.examples.size());
  const auto validation_count = int64_t(std::ceil(fraction * double(n)));
  HONE_CHECK(validation_count < n, "val_split ", fraction, " of ", n, " examples leaves none for training");

  std::vector<uint8_t> is_validation(size_t(n), 0);
  const auto order = seeded_permutation(n, seed, kValidationSplitStream);
  for (int64_t i = n - validation_count; i < n; ++i) is_validation[size_t(order[size_t(i)])] = 1;

  Dataset train, validation;
  train.stats = data.stats;
  train.stats.examples = train.stats.tokens = train.stats.scored_tokens = 0;
  validation.stats.format = data.stats.format;
  for (int64_t i = 0; i < n; ++i) {
    Dataset& part = is_validation[size_t(i)] ? validation : train;
    TokenizedExample& example = data.examples[size_t(i)];
    ++part.stats.examples;
    part.stats.tokens += int64_t(example.input_ids.size());
    part.stats.scored_tokens += scored_token_count(example);
    part.examples.push_back(std::move(example));
  }
  return {std::move(train), std::move(validation)};
}

}  // namespace hone
