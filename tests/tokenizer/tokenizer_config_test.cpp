#include "hone/tokenizer/tokenizer_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <unistd.h>

#include "hone/util/error.h"

namespace hone {
namespace {

using nlohmann::json;

std::string error_of(const json& config) {
  try {
    parse_tokenizer_config(config, "model/tokenizer_config.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TokenizerConfig, ReadsPlainAndAddedTokenForms) {
  const json config = json::parse(R"({
    "bos_token": "<s>",
    "eos_token": {"__type": "AddedToken", "content": "</s>", "lstrip": false},
    "pad_token": null,
    "unk_token": {"content": "<unk>"},
    "add_bos_token": true, "add_eos_token": false,
    "clean_up_tokenization_spaces": false,
    "model_max_length": 4096,
    "chat_template": "{{ messages }}"})");
  const TokenizerConfig parsed = parse_tokenizer_config(config, "x.json");
  EXPECT_EQ(parsed.bos_token, "<s>");
  EXPECT_EQ(parsed.eos_token, "</s>");
  EXPECT_FALSE(parsed.pad_token.has_value());
  EXPECT_EQ(parsed.unk_token, "<unk>");
  EXPECT_EQ(parsed.add_bos_token, true);
  EXPECT_EQ(parsed.add_eos_token, false);
  EXPECT_EQ(parsed.clean_up_tokenization_spaces, false);
  EXPECT_EQ(parsed.model_max_length, 4096);
  EXPECT_EQ(parsed.chat_template, "{{ messages }}");
  EXPECT_EQ(parsed.chat_template_named("default"), "{{ messages }}");
}

TEST(TokenizerConfig, AbsentKeysStayAbsent) {
  const TokenizerConfig parsed = parse_tokenizer_config(json::object(), "x.json");
  EXPECT_FALSE(parsed.bos_token || parsed.eos_token || parsed.add_bos_token || parsed.add_eos_token ||
               parsed.model_max_length || parsed.chat_template || parsed.clean_up_tokenization_spaces);
  EXPECT_TRUE(parsed.chat_templates.empty());
}

TEST(TokenizerConfig, HugeMaxLengthSaturates) {
  // transformers writes int(1e30) for "no limit"; JSON parsers read it as a double.
  const TokenizerConfig parsed = parse_tokenizer_config(json::parse(R"({"model_max_length": 1000000000000000019884624838656})"), "x");
  EXPECT_EQ(parsed.model_max_length, std::numeric_limits<int64_t>::max());
}

TEST(TokenizerConfig, NamedTemplateList) {
  const json config = json::parse(R"({"chat_template": [
    {"name": "default", "template": "A"}, {"name": "tool_use", "template": "B"}]})");
  const TokenizerConfig parsed = parse_tokenizer_config(config, "x.json");
  EXPECT_EQ(parsed.chat_template, "A");
  EXPECT_EQ(parsed.chat_template_named("tool_use"), "B");
  try {
    parsed.chat_template_named("rag");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rag"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("tool_use"), std::string::npos);
  }
}

TEST(TokenizerConfig, ListWithoutDefaultHasNoDefaultTemplate) {
  const TokenizerConfig parsed = parse_tokenizer_config(json::parse(R"({"chat_template": [{"name": "rag", "template": "R"}]})"), "x");
  EXPECT_FALSE(parsed.chat_template.has_value());
  EXPECT_EQ(parsed.chat_template_named("rag"), "R");
}

TEST(TokenizerConfig, WrongTypesNameFileAndKey) {
  const std::string file = "model/tokenizer_config.json";
  for (const char* text : {R"({"bos_token": 3})", R"({"eos_token": {"lstrip": true}})", R"({"add_bos_token": "yes"})",
                           R"({"model_max_length": "big"})", R"({"chat_template": 7})", R"({"chat_template": [{"name": "x"}]})",
                           R"({"clean_up_tokenization_spaces": 1})"}) {
    const json config = json::parse(text);
    const std::string message = error_of(config);
    ASSERT_FALSE(message.empty()) << text;
    EXPECT_NE(message.find(file), std::string::npos) << message;
    EXPECT_NE(message.find(config.begin().key()), std::string::npos) << message;
  }
  EXPECT_NE(error_of(json::array()).find("object"), std::string::npos);
}

TEST(TokenizerConfig, LoadsFromFolderOrFileAndReportsBadJson) {
  const auto dir = std::filesystem::temp_directory_path() / ("hone_tokcfg_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "tokenizer_config.json";
  std::ofstream(file) << R"({"eos_token": "<|im_end|>"})";
  EXPECT_EQ(load_tokenizer_config_from(dir.string()).eos_token, "<|im_end|>");
  EXPECT_EQ(load_tokenizer_config_from(file.string()).source, file.string());
  std::ofstream(file) << "{not json";
  try {
    load_tokenizer_config_from(dir.string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
  EXPECT_THROW(load_tokenizer_config_from(dir.string()), Error);
}

}  // namespace
}  // namespace hone
