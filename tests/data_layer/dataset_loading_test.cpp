// load_dataset around the records: format detection, errors naming file:line and what was
// wrong, skip_bad_lines, truncation from either side, dropping unscored examples, and the
// seeded validation split.
#include <gtest/gtest.h>

#include <set>

#include "data_test_support.h"
#include "hone/data/dataset.h"
#include "hone/tokenizer/tokenizer.h"
#include "hone/util/error.h"

namespace hone {
namespace {

using testing::dataset_fixture;
using testing::reference_tokenizer;
using testing::write_jsonl;

// The message of the Error that loading throws; fails the test when nothing is thrown.
std::string load_error(const std::string& path, const DatasetOptions& options, const Tokenizer* tokenizer) {
  try {
    load_dataset(path, options, tokenizer);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "loading " << path << " did not fail";
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "message: " << (haystack)

TEST(DatasetLoading, DetectsTheFormatOfEveryFixture) {
  const Tokenizer& tokenizer = reference_tokenizer("llama3");
  for (const std::string format : {"text", "completion", "alpaca", "messages", "tokens"})
    EXPECT_EQ(load_dataset(dataset_fixture(format + ".jsonl"), {}, &tokenizer).stats.format, format);
}

TEST(DatasetLoading, DetectionSkipsLinesThatAreNotJsonAndTheMainPassReportsThem) {
  const Tokenizer& tokenizer = reference_tokenizer("llama3");
  const std::string path = write_jsonl("detect.jsonl", {"{not json", R"({"prompt": "a", "completion": " b"})"});
  EXPECT_CONTAINS(load_error(path, {}, &tokenizer), path + ":1: not valid JSON");
  DatasetOptions skip;
  skip.skip_bad_lines = true;
  const Dataset data = load_dataset(path, skip, &tokenizer);
  EXPECT_EQ(data.stats.format, "completion");
  EXPECT_EQ(data.stats.skipped_lines, 1);
  ASSERT_EQ(data.stats.warnings.size(), 1u);
  EXPECT_CONTAINS(data.stats.warnings[0], path + ":1: not valid JSON");
}

TEST(DatasetLoading, UnknownKeysNameTheLineAndTheKeys) {
  const std::string path = write_jsonl("unknown.jsonl", {"", R"({"question": "a", "answer": "b"})"});
  const std::string message = load_error(path, {}, nullptr);
  EXPECT_CONTAINS(message, path + ":2: cannot tell the dataset format");
  EXPECT_CONTAINS(message, "\"answer\", \"question\"");
  EXPECT_CONTAINS(message, "set format");
}

TEST(DatasetLoading, AnExplicitFormatOverridesDetection) {
  const Tokenizer& tokenizer = reference_tokenizer("llama3");
  DatasetOptions options;
  options.format = "text";
  EXPECT_CONTAINS(load_error(dataset_fixture("completion.jsonl"), options, &tokenizer),
                  "completion.jsonl:1: missing key \"text\"");
  options.format = "sharegpt";
  EXPECT_CONTAINS(load_error(dataset_fixture("completion.jsonl"), options, &tokenizer), "unknown dataset format \"sharegpt\"");
}

TEST(DatasetLoading, MalformedRecordsNameFileLineAndProblem) {
  const Tokenizer& tokenizer = reference_tokenizer("llama3");
  const std::string good = R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]})";
  struct Case {
    std::string line, expected;
  };
  const std::vector<Case> cases = {
      {R"({"messages": []})", "\"messages\" is empty"},
      {R"({"messages": {"role": "user"}})", "\"messages\" must be an array"},
      {R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "robot", "content": "Beep"}]})",
       "messages[1].role is \"robot\"; expected system, user, assistant or tool"},
      {R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": 5}]})",
       "messages[1].content must be a string, got number"},
      {R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant"}]})", "messages[1] (assistant) has no \"content\""},
      {R"({"messages": [{"content": "Hi"}]})", "messages[0] has no \"role\""},
      {R"({"messages": ["Hi"]})", "messages[0] must be an object"},
      {R"({"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Hi"}]})", "no assistant turn"},
      {R"(["messages"])", "expected a JSON object"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    const std::string path = write_jsonl("bad.jsonl", {good, c.line, good});
    const std::string message = load_error(path, {}, &tokenizer);
    EXPECT_CONTAINS(message, path + ":2: ");
    EXPECT_CONTAINS(message, c.expected);
  }
  const std::vector<Case> other_formats = {
      {R"({"prompt": 3, "completion": "b"})", "\"prompt\" must be a string, got number 3"},
      {R"({"prompt": "a"})", "missing key \"completion\""},
      {R"({"instruction": "a", "input": ""})", "missing key \"output\""},
      {R"({"instruction": "a", "input": ["x"], "output": "b"})", "\"input\" must be a string, got array"},
      {R"({"text": null})", "missing key \"text\""},
      {R"({"input_ids": [1, 2], "labels": [1]})", "\"labels\" has 1 entries but \"input_ids\" has 2"},
      {R"({"input_ids": [1, 999999]})", "outside the model's vocabulary"},
  };
  for (const Case& c : other_formats) {
    SCOPED_TRACE(c.line);
    DatasetOptions options;
    options.format = nlohmann::json::parse(c.line).contains("input_ids") ? "tokens"
                     : nlohmann::json::parse(c.line).contains("instruction") ? "alpaca"
                     : nlohmann::json::parse(c.line).contains("text")        ? "text"
                                                                               : "completion";
    const std::string path = write_jsonl("bad_other.jsonl", {c.line});
    const std::string message = load_error(path, options, &reference_tokenizer("qwen3"));
    EXPECT_CONTAINS(message, path + ":1: ");
    EXPECT_CONTAINS(message, c.expected);
  }
}

TEST(DatasetLoading, SkipBadLinesCountsAndKeepsTheMessages) {
  const Tokenizer& tokenizer = reference_tokenizer("qwen3");
  const std::string path = dataset_fixture("messages_with_bad_lines.jsonl");
  EXPECT_CONTAINS(load_error(path, {}, &tokenizer), "messages_with_bad_lines.jsonl:2: not valid JSON");
  DatasetOptions options;
  options.skip_bad_lines = true;
  const Dataset data = load_dataset(path, options, &tokenizer);
  EXPECT_EQ(data.examples.size(), 2u);
  EXPECT_EQ(data.stats.examples, 2);
  EXPECT_EQ(data.stats.skipped_lines, 4);
  ASSERT_EQ(data.stats.warnings.size(), 4u);
  EXPECT_CONTAINS(data.stats.warnings[0], ":2: not valid JSON: column 94: syntax error while parsing array");
  EXPECT_CONTAINS(data.stats.warnings[1], ":3: \"messages\" is empty");
  EXPECT_CONTAINS(data.stats.warnings[2], ":4: messages[1].role is \"robot\"");
  EXPECT_CONTAINS(data.stats.warnings[3], ":6: \"messages\" has no assistant turn");
}

TEST(DatasetLoading, MessagesWithoutAnyChatTemplateIsOneClearError) {
  // This Llama 2 tokenizer_config.json has no chat_template: not a per-line problem, so not
  // skippable either.
  DatasetOptions options;
  options.skip_bad_lines = true;
  const std::string message = load_error(dataset_fixture("messages.jsonl"), options, &reference_tokenizer("llama2"));
  EXPECT_CONTAINS(message, "messages.jsonl: messages records need a chat template");
  EXPECT_CONTAINS(message, "llama3");
  options.chat_template = "no-such-template";
  EXPECT_CONTAINS(load_error(dataset_fixture("messages.jsonl"), options, &reference_tokenizer("llama2")),
                  "no built-in chat template named \"no-such-template\"");
}

TEST(DatasetLoading, TextFormatsNeedATokenizer) {
  EXPECT_CONTAINS(load_error(dataset_fixture("text.jsonl"), {}, nullptr), "the text format needs the model's tokenizer");
}

TEST(DatasetLoading, TruncatesFromTheChosenSide) {
  const std::string path = write_jsonl("long.jsonl", {R"({"input_ids": [1, 5, 6, 7, 8, 2]})", R"({"input_ids": [1, 9, 2]})"});
  DatasetOptions options;
  options.seq_len = 4;
  Dataset right = load_dataset(path, options, nullptr);
  EXPECT_EQ(right.stats.truncated, 1);
  EXPECT_EQ(right.examples[0].input_ids, (std::vector<int32_t>{1, 5, 6, 7}));
  EXPECT_EQ(right.examples[0].labels, (std::vector<int32_t>{1, 5, 6, 7}));
  EXPECT_EQ(right.examples[1].input_ids, (std::vector<int32_t>{1, 9, 2}));
  EXPECT_EQ(right.stats.tokens, 4 + 3);
  options.truncation = "left";
  Dataset left = load_dataset(path, options, nullptr);
  EXPECT_EQ(left.stats.truncated, 1);
  EXPECT_EQ(left.examples[0].input_ids, (std::vector<int32_t>{6, 7, 8, 2}));
  options.truncation = "middle";
  EXPECT_CONTAINS(load_error(path, options, nullptr), "truncation must be \"right\" or \"left\"");
}

TEST(DatasetLoading, TruncationThatLeavesNothingScoredDropsTheExample) {
  // A long prompt and a short completion: cutting the end removes the whole completion.
  const Tokenizer& tokenizer = reference_tokenizer("llama3");
  const std::string path = write_jsonl("cut.jsonl", {R"({"prompt": "one two three four five six seven eight", "completion": " nine"})",
                                                     R"({"prompt": "one", "completion": " two"})"});
  DatasetOptions options;
  options.seq_len = 5;
  const Dataset right = load_dataset(path, options, &tokenizer);
  EXPECT_EQ(right.stats.truncated, 1);
  EXPECT_EQ(right.stats.dropped_unscored, 1);
  ASSERT_EQ(right.examples.size(), 1u);
  EXPECT_EQ(right.examples[0].input_ids.size(), 3u);  // "one", " two", EOS

  options.truncation = "left";  // keeps the end: " nine" and EOS stay scored
  const Dataset left = load_dataset(path, options, &tokenizer);
  EXPECT_EQ(left.stats.dropped_unscored, 0);
  ASSERT_EQ(left.examples.size(), 2u);
  EXPECT_EQ(left.examples[0].input_ids.size(), 5u);
  EXPECT_EQ(scored_token_count(left.examples[0]), 2);
  EXPECT_EQ(left.examples[0].input_ids.back(), *tokenizer.eos_id());

  options.seq_len = 1;
  EXPECT_CONTAINS(load_error(path, options, &tokenizer), "seq_len must be at least 2");
}

TEST(DatasetLoading, AFileWithNothingUsableIsAnError) {
  const std::string path = write_jsonl("unscored.jsonl", {R"({"input_ids": [1, 2], "labels": [-100, -100]})"});
  EXPECT_CONTAINS(load_error(path, {}, nullptr), path + ": no usable examples (0 bad lines skipped, 1 examples with no scored token");
  EXPECT_CONTAINS(load_error(write_jsonl("empty.jsonl", {"", "  "}), {}, nullptr), "no record with the keys of a known dataset format");
}

Dataset numbered_dataset(int n) {
  Dataset data;
  for (int i = 0; i < n; ++i) data.examples.push_back({{1, i + 3, 2}, {1, i + 3, 2}});
  data.stats.examples = n;
  data.stats.truncated = 7;
  return data;
}

std::vector<int32_t> ids_of(const Dataset& data) {
  std::vector<int32_t> ids;
  for (const auto& example : data.examples) ids.push_back(example.input_ids[1]);
  return ids;
}

TEST(ValidationSplit, IsSeededDisjointAndKeepsFileOrder) {
  const auto [train, validation] = split_validation(numbered_dataset(20), 0.15, 7);
  EXPECT_EQ(validation.examples.size(), 3u);  // ceil(0.15 * 20)
  EXPECT_EQ(train.examples.size(), 17u);
  EXPECT_EQ(train.stats.examples, 17);
  EXPECT_EQ(validation.stats.examples, 3);
  EXPECT_EQ(train.stats.truncated, 7);  // file-level counts stay with train
  EXPECT_EQ(validation.stats.scored_tokens, 3 * 2);
  auto t = ids_of(train), v = ids_of(validation);
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
  std::set<int32_t> all(t.begin(), t.end());
  all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 20u);

  // Same seed, same split; another seed, another split (not simply the last examples either).
  EXPECT_EQ(ids_of(split_validation(numbered_dataset(20), 0.15, 7).second), v);
  std::set<std::vector<int32_t>> splits;
  for (uint64_t seed = 0; seed < 5; ++seed) splits.insert(ids_of(split_validation(numbered_dataset(20), 0.15, seed).second));
  EXPECT_GE(splits.size(), 4u);
}

TEST(ValidationSplit, RejectsFractionsThatLeaveAPartEmpty) {
  EXPECT_THROW(split_validation(numbered_dataset(5), 0.0, 0), Error);
  EXPECT_THROW(split_validation(numbered_dataset(5), 1.0, 0), Error);
  EXPECT_THROW(split_validation(numbered_dataset(1), 0.5, 0), Error);
  EXPECT_EQ(split_validation(numbered_dataset(2), 0.01, 0).second.examples.size(), 1u);
}

}  // namespace
}  // namespace hone
