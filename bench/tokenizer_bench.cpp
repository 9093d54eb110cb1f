// Encode throughput of hone's tokenizer on the test corpus (tests/data/tokenizer_corpus.json),
// one JSON line per tokenizer folder. bench/tokenizer_bench.sh runs it beside Tokenizers.js
// (bench/tokenizer_bench.mjs) on the same texts and prints the ratio.
// Usage: tokenizer_bench CORPUS.json SECONDS FOLDER...
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "hone/tokenizer/tokenizer.h"
#include "hone/util/atomic_file.h"
#include "hone/util/error.h"
#include "hone/util/timer.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: tokenizer_bench CORPUS.json SECONDS FOLDER...\n";
    return 2;
  }
  try {
    const auto corpus = nlohmann::json::parse(hone::read_file(argv[1]));
    const double seconds = std::atof(argv[2]);
    std::vector<std::string> texts;
    size_t bytes_per_pass = 0;
    for (const auto& entry : corpus.at("cases")) {
      texts.push_back(entry.at("text").get<std::string>());
      bytes_per_pass += texts.back().size();
    }
    for (int i = 3; i < argc; ++i) {
      const hone::Tokenizer tokenizer = hone::Tokenizer::load(argv[i]);
      size_t tokens = 0;
      for (const auto& text : texts) tokens += tokenizer.encode(text).size();  // warm-up pass
      size_t passes = 0;
      hone::Timer timer;
      do {
        for (const auto& text : texts) tokens += tokenizer.encode(text).size();
        ++passes;
      } while (timer.seconds() < seconds);
      const double elapsed = timer.seconds();
      std::cout << nlohmann::json{{"bench", "tokenizer_encode"},
                                  {"impl", "hone"},
                                  {"tokenizer", argv[i]},
                                  {"bytes_per_pass", bytes_per_pass},
                                  {"passes", passes},
                                  {"mb_per_s", double(bytes_per_pass) * double(passes) / elapsed / 1e6}}
                       .dump()
                << "\n";
      if (tokens == 0) return 1;  // keeps the encode calls observable
    }
  } catch (const hone::Error& e) {
    std::cerr << "tokenizer_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
