// Mutation fuzzing of JSONL dataset records in every format (issue 11, item 14): each damaged
// file loads or ends in a hone::Error naming the file and line. Seeded afresh per run
// (HONE_FUZZ_SEED=N reproduces).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hone/data/dataset.h"
#include "hone/tokenizer/tokenizer.h"
#include "hone/util/atomic_file.h"
#include "support/fuzz_mutator.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

TEST(ReaderFuzz, JsonlRecords) {
  const Tokenizer tokenizer = Tokenizer::load(std::string(HONE_TEST_DATA_DIR) + "/inference/bytelevel_llama");
  std::vector<std::string> seeds;
  for (const char* name : {"text", "completion", "alpaca", "messages", "tokens"})
    seeds.push_back(read_file(std::string(HONE_TEST_DATA_DIR) + "/datasets/" + name + ".jsonl"));
  const fs::path dir = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  const std::string path = (dir / ("hone_jsonl_fuzz_" + std::to_string(::getpid()) + ".jsonl")).string();
  DatasetOptions options;
  options.seq_len = 1024;
  options.chat_template = "chatml";
  testing::fuzz_reader("JSONL records", seeds, 3000, [&](const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    (void)load_dataset(path, options, &tokenizer);
  });
  fs::remove(path);
}

}  // namespace
}  // namespace hone
