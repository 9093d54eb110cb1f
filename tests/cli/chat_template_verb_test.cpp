// End-to-end: the `hone chat-template` verb, run as a process from the build tree.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include <string>

#include "support/hone_cli.h"

namespace {

namespace fs = std::filesystem;

using hone::testing::run_hone;

fs::path hone_binary() { return hone::testing::hone_binary(); }

const std::string kChat = std::string(HONE_TEST_DATA_DIR) + "/chat";

class ChatTemplateVerb : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(hone_binary())) << "build the hone binary first (expected at " << hone_binary() << ")";
    folder_ = fs::temp_directory_path() / ("hone_chat_verb_" + std::to_string(::getpid()));
    fs::create_directories(folder_);
    nlohmann::json config = {{"bos_token", "<s>"}, {"eos_token", {{"content", "<|im_end|>"}}},
                             {"chat_template", "{% for m in messages %}<{{ m.role }}>{{ m.content }}{{ eos_token }}{% endfor %}"
                                               "{% if add_generation_prompt %}<assistant>{% endif %}"}};
    std::ofstream(folder_ / "tokenizer_config.json") << config.dump();
    std::ofstream(folder_ / "no_template.json") << R"({"eos_token": "</s>"})";
  }
  void TearDown() override { fs::remove_all(folder_); }
  fs::path folder_;
};

TEST_F(ChatTemplateVerb, RendersWithTheFoldersTemplate) {
  const hone::testing::CliResult run = run_hone("chat-template --tokenizer '" + folder_.string() + "' --messages '" + kChat +
                           "/conversations/single_user.json' --add-generation-prompt");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output, "<user>Hello! How are you?<|im_end|><assistant>");
}

TEST_F(ChatTemplateVerb, JsonOutputMarksTrainableBytes) {
  const hone::testing::CliResult run = run_hone("chat-template --tokenizer '" + (folder_ / "tokenizer_config.json").string() + "' --messages '" + kChat +
                           "/conversations/multi_turn_ends_with_assistant.json' --json");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto out = nlohmann::json::parse(run.output);
  const std::string text = out["text"];
  ASSERT_EQ(out["trainable"].size(), 2u);
  const size_t begin = out["trainable"][1][0], end = out["trainable"][1][1];
  EXPECT_EQ(text.substr(begin, end - begin), "White hush on the fields\nfootprints fade before the dawn\nthe world holds its breath<|im_end|>");
  EXPECT_FALSE(out["spans"].empty());
}

TEST_F(ChatTemplateVerb, BuiltinTemplateAndClearErrors) {
  const hone::testing::CliResult builtin = run_hone("chat-template --tokenizer '" + (folder_ / "no_template.json").string() + "' --messages '" + kChat +
                               "/conversations/single_user.json' --template chatml");
  EXPECT_EQ(builtin.exit_code, 0) << builtin.output;
  EXPECT_EQ(builtin.output, "<|im_start|>user\nHello! How are you?<|im_end|>\n");
  const hone::testing::CliResult missing = run_hone("chat-template --tokenizer '" + (folder_ / "no_template.json").string() + "' --messages '" + kChat +
                               "/conversations/single_user.json'");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("no_template.json has no chat_template: pass --template"), std::string::npos) << missing.output;
  const hone::testing::CliResult unknown = run_hone("chat-template --tokenizer '" + folder_.string() + "' --messages '" + kChat +
                               "/conversations/single_user.json' --template nope");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("no chat template named \"nope\""), std::string::npos) << unknown.output;
}

}  // namespace
