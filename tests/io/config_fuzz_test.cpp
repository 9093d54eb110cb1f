// Mutation fuzzing of config.json (issue 11, item 14): every damaged config parses or ends in a
// hone::Error naming the file; seeded afresh per run (HONE_FUZZ_SEED=N reproduces).
#include <gtest/gtest.h>

#include "hone/io/hf_config.h"
#include "hone/util/atomic_file.h"
#include "support/fuzz_mutator.h"

namespace hone {
namespace {

TEST(ReaderFuzz, ConfigJson) {
  std::vector<std::string> seeds;
  for (const char* name : {"llama-3.2-1b", "qwen2.5-0.5b-instruct", "mistral-7b-v0.1"})
    seeds.push_back(read_file(std::string(HONE_TEST_DATA_DIR) + "/hf_configs/" + name + ".json"));
  testing::fuzz_reader("config.json", seeds, 4000, [](const std::string& text) { (void)parse_model_config(text, "config.json"); });
}

}  // namespace
}  // namespace hone
