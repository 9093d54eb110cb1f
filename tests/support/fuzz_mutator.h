// Mutation fuzzing for the text readers (JSON, YAML, JSONL) inside the GoogleTest suite: a seeded
// mutator that damages valid text the way the issue-11 probe did (characters replaced, inserted
// or deleted; numbers swapped for hostile ones such as 1e999 or 2^63; lines truncated), and a
// loop that requires every case to load or end in a hone::Error. Each run draws a fresh seed and
// prints it; HONE_FUZZ_SEED=N reproduces a run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hone::testing {

// HONE_FUZZ_SEED if set, else a fresh random seed; printed either way with the test's name.
uint64_t fuzz_seed(const std::string& what);

class TextMutator {
 public:
  explicit TextMutator(uint64_t seed) : state_(seed ^ 0x9e3779b97f4a7c15ull) {}

  uint64_t below(uint64_t n);
  // One to a few random damages of `text`.
  std::string mutate(std::string text);

 private:
  std::string replace_number(std::string text);
  std::string splice_characters(std::string text);
  uint64_t state_;
};

// Runs `read` on `cases` mutations of the seeds. A case passes when read returns or throws
// hone::Error; anything else (another exception type) fails the test with the case and seed.
// Crashes and memory errors end the program (run under ASan/UBSan to see those).
void fuzz_reader(const std::string& what, const std::vector<std::string>& seeds, int cases,
                 const std::function<void(const std::string& text)>& read);

}  // namespace hone::testing
