// Running llama.cpp from the tests: tests/reference/llama_cpp_reference.mjs under node, on the
// prebuilt llama.cpp CPU libraries of the npm package node-llama-cpp that
// scripts/fetch_test_references.sh installs into .cache/npm-llama-cpp. node-llama-cpp needs Node
// 20 or newer: under an older node (Debian 12 ships 18) the tests skip, saying so, and CTest
// reports them as skipped. With a new enough node but without node or the package, the calling
// test fails with what to run (the comparison is the point, so nothing else is skipped).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace hone::testing {

// One evaluation: `tokens` as one batch, the next-token logits of the last position, then
// `greedy` tokens continued greedily (argmax, lowest id on a tie), with the LoRA adapter GGUFs
// in `lora` applied at scale 1.
struct LlamaCppJob {
  std::string model;  // GGUF path
  std::vector<int32_t> tokens;
  std::vector<std::string> lora;
  int greedy = 0;
};

struct LlamaCppResult {
  std::vector<double> logits;          // [vocab], last prompt position, llama.cpp's f32 values
  std::vector<int32_t> greedy;         // greedy continuation
  std::vector<double> greedy_margins;  // logit lead of each greedy token over the runner-up
  nlohmann::json build;                // node-llama-cpp version, llama.cpp release, CPU backend
};

// Why llama.cpp cannot run here for a reason the tests accept (node older than 20); empty when
// it can, or when what is missing is an install step (run_llama_cpp then fails naming it).
std::string llama_cpp_skip_reason();

// Runs every job in one node process (loading llama.cpp costs seconds, each small model
// milliseconds), llama.cpp with 2 threads and an f32 KV cache. `scratch_dir` receives the job
// list and node's stderr. Throws hone::Error naming the missing piece and the command that
// installs it, or node's stderr when the script fails.
std::vector<LlamaCppResult> run_llama_cpp(const std::vector<LlamaCppJob>& jobs, const std::string& scratch_dir);

}  // namespace hone::testing
