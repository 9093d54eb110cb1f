// Shared by the data-layer tests: the real Llama 3 / Qwen3 / Llama 2 tokenizers (installed by
// scripts/fetch_test_references.sh; a missing one fails the test with that instruction), the
// JSONL fixtures in tests/data/datasets/, and scratch JSONL files written by a test.
#pragma once

#include <string>
#include <vector>

#include "hone/data/tokenized_example.h"

namespace hone {
class Tokenizer;
}

namespace hone::testing {

// "llama3", "qwen3" or "llama2"; loaded once per test program.
const Tokenizer& reference_tokenizer(const std::string& name);

// tests/data/datasets/<name>
std::string dataset_fixture(const std::string& name);

// Writes `lines` (joined with newlines) to a fresh file in the test's temporary folder.
std::string write_jsonl(const std::string& name, const std::vector<std::string>& lines);

// The runs of consecutive scored positions (labels != -100), as ids.
std::vector<std::vector<int32_t>> scored_runs(const TokenizedExample& example);

}  // namespace hone::testing
