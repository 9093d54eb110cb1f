// Label masks of every dataset format with the real Llama 3, Qwen3 and Llama 2 tokenizers:
// exactly the tokens the format promises are scored (the end-of-turn token of every assistant
// turn included, nothing of system or user turns), and the ids are those of tokenizing the
// whole rendered text at once.
#include <gtest/gtest.h>

#include <fstream>

#include "data_test_support.h"
#include "hone/data/alpaca_prompt.h"
#include "hone/data/dataset.h"
#include "hone/tokenizer/chat_template.h"
#include "hone/tokenizer/tokenizer.h"

namespace hone {
namespace {

using testing::dataset_fixture;
using testing::reference_tokenizer;
using testing::scored_runs;

std::vector<nlohmann::json> read_records(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) records.push_back(nlohmann::json::parse(line));
  return records;
}

std::vector<int32_t> concat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// What the tokenizer puts in front of a text by itself (Llama 2's <s>; nothing for these Llama 3
// and Qwen3 files, whose post-processors add no special tokens).
std::vector<int32_t> bos_prefix(const Tokenizer& tokenizer) {
  auto with = tokenizer.encode("x", true), without = tokenizer.encode("x", false);
  return std::vector<int32_t>(with.begin(), with.end() - long(without.size()));
}

int32_t id_of(const Tokenizer& tokenizer, const std::string& token) {
  auto id = tokenizer.token_to_id(token);
  EXPECT_TRUE(id.has_value()) << token;
  return id.value_or(-1);
}

std::string decode(const Tokenizer& tokenizer, const std::vector<int32_t>& ids) { return tokenizer.decode(ids); }

int64_t total_scored(const Dataset& data) {
  int64_t n = 0;
  for (const auto& example : data.examples) n += scored_token_count(example);
  return n;
}

TEST(DatasetMasks, BosIsWhatEachTokenizerAdds) {
  EXPECT_EQ(bos_prefix(reference_tokenizer("llama2")), std::vector<int32_t>{1});
  EXPECT_TRUE(bos_prefix(reference_tokenizer("llama3")).empty());
  EXPECT_TRUE(bos_prefix(reference_tokenizer("qwen3")).empty());
}

TEST(DatasetMasks, TextScoresEveryTokenAndTheAppendedEos) {
  const auto records = read_records(dataset_fixture("text.jsonl"));
  for (const std::string name : {"llama3", "qwen3", "llama2"}) {
    SCOPED_TRACE(name);
    const Tokenizer& tokenizer = reference_tokenizer(name);
    const Dataset data = load_dataset(dataset_fixture("text.jsonl"), {}, &tokenizer);
    EXPECT_EQ(data.stats.format, "text");
    ASSERT_EQ(data.examples.size(), records.size());
    const auto prefix = bos_prefix(tokenizer);
    const int32_t eos = *tokenizer.eos_id();
    for (size_t i = 0; i < records.size(); ++i) {
      const auto text_ids = tokenizer.encode(records[i]["text"].get<std::string>(), false);
      const auto& example = data.examples[i];
      EXPECT_EQ(example.input_ids, concat(concat(prefix, text_ids), {eos}));
      ASSERT_EQ(example.labels.size(), example.input_ids.size());
      for (size_t t = 0; t < example.labels.size(); ++t)
        EXPECT_EQ(example.labels[t], t < prefix.size() ? kIgnoreLabel : example.input_ids[t]) << "token " << t;
    }
    EXPECT_EQ(data.stats.scored_tokens, total_scored(data));
    EXPECT_EQ(data.stats.truncated, 0);
  }
}

TEST(DatasetMasks, TextWithoutEosWhenAddEosIsOff) {
  const Tokenizer& tokenizer = reference_tokenizer("llama3");
  DatasetOptions options;
  options.add_eos = false;
  const Dataset data = load_dataset(dataset_fixture("text.jsonl"), options, &tokenizer);
  const auto records = read_records(dataset_fixture("text.jsonl"));
  EXPECT_EQ(data.examples[0].input_ids, tokenizer.encode(records[0]["text"].get<std::string>(), false));
}

TEST(DatasetMasks, CompletionScoresOnlyTheCompletionAndEos) {
  const auto records = read_records(dataset_fixture("completion.jsonl"));
  for (const std::string name : {"llama3", "qwen3", "llama2"}) {
    SCOPED_TRACE(name);
    const Tokenizer& tokenizer = reference_tokenizer(name);
    const Dataset data = load_dataset(dataset_fixture("completion.jsonl"), {}, &tokenizer);
    EXPECT_EQ(data.stats.format, "completion");
    ASSERT_EQ(data.examples.size(), records.size());
    const int32_t eos = *tokenizer.eos_id();
    for (size_t i = 0; i < records.size(); ++i) {
      const std::string prompt = records[i]["prompt"], completion = records[i]["completion"];
      const auto& example = data.examples[i];
      // TRL: the ids of prompt + completion tokenized together; the prompt's token count masked.
      const auto whole = tokenizer.encode(prompt + completion, true);
      const auto prompt_ids = tokenizer.encode(prompt, true);
      ASSERT_TRUE(std::equal(prompt_ids.begin(), prompt_ids.end(), whole.begin()));
      EXPECT_EQ(example.input_ids, concat(whole, {eos}));
      const auto runs = scored_runs(example);
      ASSERT_EQ(runs.size(), 1u);
      EXPECT_EQ(runs[0], concat(std::vector<int32_t>(whole.begin() + long(prompt_ids.size()), whole.end()), {eos}));
      EXPECT_EQ(scored_token_count(example), int64_t(whole.size() - prompt_ids.size() + 1));
    }
  }
}

TEST(DatasetMasks, CompletionSplittingAWordScoresTheMergedToken) {
  // "bl" + "ue." tokenizes as one "Ġblue": that token holds completion bytes, so it is scored.
  const Tokenizer& tokenizer = reference_tokenizer("llama3");
  const std::string path = testing::write_jsonl("split.jsonl", {R"({"prompt": "The sky is bl", "completion": "ue."})"});
  const Dataset data = load_dataset(path, {}, &tokenizer);
  const auto whole = tokenizer.encode("The sky is blue.", false);
  ASSERT_EQ(whole.size(), 5u);
  const auto& example = data.examples[0];
  EXPECT_EQ(example.input_ids, concat(whole, {*tokenizer.eos_id()}));
  EXPECT_EQ(scored_runs(example), (std::vector<std::vector<int32_t>>{{whole[3], whole[4], *tokenizer.eos_id()}}));
  EXPECT_EQ(data.stats.split_boundaries, 1);
}

// The scored text of each assistant turn, as the template renders it.
struct ChatCase {
  std::string tokenizer;
  std::string builtin_template;  // empty: the tokenizer_config.json's own template
  std::string end_of_turn;
  std::function<std::string(const std::string& content, bool last_turn)> scored_text;
};

std::vector<ChatCase> chat_cases() {
  return {
      {"llama3", "", "<|eot_id|>", [](const std::string& c, bool) { return c + "<|eot_id|>"; }},
      // Qwen3's template opens the final assistant turn with an empty thinking block the model
      // itself produces, so it is part of that turn's output.
      {"qwen3", "", "<|im_end|>",
       [](const std::string& c, bool last) { return (last ? "<think>\n\n</think>\n\n" : "") + c + "<|im_end|>"; }},
      // llama2: "[/INST] " + content + " " + eos; decode drops the first space.
      {"llama2", "llama2", "</s>", [](const std::string& c, bool) { return c + " </s>"; }},
  };
}

ChatTemplate template_for(const ChatCase& c, const Tokenizer& tokenizer) {
  return c.builtin_template.empty() ? ChatTemplate::from_config(tokenizer.config()) : ChatTemplate::builtin(c.builtin_template);
}

TEST(DatasetMasks, MessagesScoreEveryAssistantTurnAndItsEndOfTurnToken) {
  const auto records = read_records(dataset_fixture("messages.jsonl"));
  for (const ChatCase& c : chat_cases()) {
    SCOPED_TRACE(c.tokenizer);
    const Tokenizer& tokenizer = reference_tokenizer(c.tokenizer);
    DatasetOptions options;
    options.chat_template = c.builtin_template;
    const Dataset data = load_dataset(dataset_fixture("messages.jsonl"), options, &tokenizer);
    EXPECT_EQ(data.stats.format, "messages");
    EXPECT_EQ(data.stats.split_boundaries, 0);
    ASSERT_EQ(data.examples.size(), records.size());
    const int32_t end_of_turn = id_of(tokenizer, c.end_of_turn);
    const ChatTemplate chat = template_for(c, tokenizer);
    ChatTemplateOptions render_options;
    render_options.variables = special_token_variables(tokenizer.config());
    for (size_t i = 0; i < records.size(); ++i) {
      SCOPED_TRACE("record " + std::to_string(i));
      const auto& example = data.examples[i];
      const nlohmann::ordered_json messages = nlohmann::ordered_json::parse(records[i]["messages"].dump());
      // The ids are those of the whole rendered text (its own BOS, none added again).
      const std::string rendered = chat.render_text(messages, render_options);
      auto expected_ids = tokenizer.encode(rendered, false);
      const auto prefix = bos_prefix(tokenizer);
      if (!std::equal(prefix.begin(), prefix.end(), expected_ids.begin())) expected_ids = concat(prefix, expected_ids);
      EXPECT_EQ(example.input_ids, expected_ids);
      if (!prefix.empty()) {
        EXPECT_EQ(example.input_ids[0], prefix[0]);
        EXPECT_NE(example.input_ids[1], prefix[0]) << "BOS added twice";
      }

      // One scored run per assistant turn: its content and end-of-turn token, nothing else.
      std::vector<std::string> assistant;
      for (const auto& m : messages)
        if (m["role"] == "assistant") assistant.push_back(m["content"]);
      const auto runs = scored_runs(example);
      ASSERT_EQ(runs.size(), assistant.size());
      int64_t expected_count = 0;
      for (size_t k = 0; k < runs.size(); ++k) {
        EXPECT_EQ(runs[k].back(), end_of_turn);
        EXPECT_EQ(decode(tokenizer, runs[k]), c.scored_text(assistant[k], k + 1 == runs.size()));
        expected_count += int64_t(runs[k].size());
      }
      EXPECT_EQ(scored_token_count(example), expected_count);
      EXPECT_EQ(std::count(example.labels.begin(), example.labels.end(), end_of_turn), int64_t(assistant.size()));
    }
    EXPECT_EQ(data.stats.scored_tokens, total_scored(data));
  }
}

TEST(DatasetMasks, MessagesThroughATemplateWithoutBosGetTheTokenizersBos) {
  // chatml writes no BOS; the Llama 2 tokenizer would add one, so the example starts with it.
  const Tokenizer& tokenizer = reference_tokenizer("llama2");
  DatasetOptions options;
  options.chat_template = "chatml";
  const Dataset data = load_dataset(dataset_fixture("messages.jsonl"), options, &tokenizer);
  EXPECT_EQ(data.examples[0].input_ids[0], 1);
  EXPECT_EQ(data.examples[0].labels[0], kIgnoreLabel);
  EXPECT_EQ(std::count(data.examples[0].input_ids.begin(), data.examples[0].input_ids.end(), 1), 1);
}

TEST(DatasetMasks, AlpacaGoesThroughTheModelsChatTemplate) {
  const auto records = read_records(dataset_fixture("alpaca.jsonl"));
  for (const ChatCase& c : chat_cases()) {
    if (!c.builtin_template.empty()) continue;  // models with their own template
    SCOPED_TRACE(c.tokenizer);
    const Tokenizer& tokenizer = reference_tokenizer(c.tokenizer);
    const Dataset data = load_dataset(dataset_fixture("alpaca.jsonl"), {}, &tokenizer);
    EXPECT_EQ(data.stats.format, "alpaca");
    ASSERT_EQ(data.examples.size(), records.size());
    const ChatTemplate chat = template_for(c, tokenizer);
    ChatTemplateOptions render_options;
    render_options.variables = special_token_variables(tokenizer.config());
    for (size_t i = 0; i < records.size(); ++i) {
      SCOPED_TRACE("record " + std::to_string(i));
      const auto& r = records[i];
      const std::string input = r["input"];
      nlohmann::ordered_json messages = nlohmann::ordered_json::array();
      if (r.contains("system")) messages.push_back({{"role", "system"}, {"content", r["system"]}});
      messages.push_back({{"role", "user"}, {"content", r["instruction"].get<std::string>() + (input.empty() ? "" : "\n\n" + input)}});
      messages.push_back({{"role", "assistant"}, {"content", r["output"]}});
      EXPECT_EQ(data.examples[i].input_ids, tokenizer.encode(chat.render_text(messages, render_options), false));
      const auto runs = scored_runs(data.examples[i]);
      ASSERT_EQ(runs.size(), 1u);
      EXPECT_EQ(decode(tokenizer, runs[0]), c.scored_text(r["output"], true));
    }
  }
}

TEST(DatasetMasks, AlpacaWithoutATemplateUsesStanfordAlpacasPrompt) {
  EXPECT_EQ(alpaca_prompt("Name a primary color.", ""),
            "Below is an instruction that describes a task. Write a response that appropriately completes the "
            "request.\n\n### Instruction:\nName a primary color.\n\n### Response:");
  EXPECT_EQ(alpaca_prompt("Summarise.", "Text."),
            "Below is an instruction that describes a task, paired with an input that provides further context. "
            "Write a response that appropriately completes the request.\n\n### Instruction:\nSummarise.\n\n"
            "### Input:\nText.\n\n### Response:");
  EXPECT_EQ(alpaca_prompt("Give a synonym.", "happy", "One word."),
            "One word.\n\n### Instruction:\nGive a synonym.\n\n### Input:\nhappy\n\n### Response:");

  const Tokenizer& tokenizer = reference_tokenizer("llama2");  // this tokenizer_config.json has no template
  ASSERT_TRUE(tokenizer.config().chat_templates.empty());
  const Dataset data = load_dataset(dataset_fixture("alpaca.jsonl"), {}, &tokenizer);
  const auto records = read_records(dataset_fixture("alpaca.jsonl"));
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    const std::string prompt = alpaca_prompt(r["instruction"], r["input"], r.value("system", ""));
    const std::string output = r["output"];
    const auto whole = tokenizer.encode(prompt + output, true);
    const auto prompt_ids = tokenizer.encode(prompt, true);
    const auto& example = data.examples[i];
    EXPECT_EQ(example.input_ids, concat(whole, {*tokenizer.eos_id()}));
    const auto runs = scored_runs(example);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].size(), whole.size() - prompt_ids.size() + 1);
    EXPECT_EQ(decode(tokenizer, runs[0]), output + "</s>");
  }
}

TEST(DatasetMasks, TokensAreTakenAsGiven) {
  const Dataset data = load_dataset(dataset_fixture("tokens.jsonl"), {}, nullptr);
  EXPECT_EQ(data.stats.format, "tokens");
  ASSERT_EQ(data.examples.size(), 2u);  // the third record scores nothing and is dropped
  EXPECT_EQ(data.stats.dropped_unscored, 1);
  EXPECT_EQ(data.examples[0].input_ids, (std::vector<int32_t>{1, 5, 6, 7, 2}));
  EXPECT_EQ(data.examples[0].labels, data.examples[0].input_ids);
  EXPECT_EQ(data.examples[1].labels, (std::vector<int32_t>{-100, -100, -100, 10, 11, 2}));
  EXPECT_EQ(data.stats.scored_tokens, 4 + 3);
  EXPECT_EQ(data.stats.tokens, 5 + 6);
}

}  // namespace
}  // namespace hone
