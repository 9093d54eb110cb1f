// The `hone` command: dispatches to one verb per file (see verbs.h).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "hone/cli/flag_spelling.h"
#include "hone/cli/verbs.h"
#include "hone/util/error.h"

namespace hone::cli {
std::vector<std::pair<const char*, VerbSetup>>& verb_registry() {
  static std::vector<std::pair<const char*, VerbSetup>> verbs;
  return verbs;
}
}  // namespace hone::cli

namespace {
// OpenMP threads that spin while waiting make every parallel region crawl as soon as another
// process wants the same cores (measured: prefill 306 vs 6438 tokens/s on a busy 2-core
// machine), and gain little here otherwise. libgomp reads OMP_WAIT_POLICY only at start-up, so
// when the user has not chosen a policy, set PASSIVE and restart the process once.
void prefer_passive_openmp_waiting(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  ::execv("/proc/self/exe", argv);  // returns only on failure: then carry on as we are
}
}  // namespace

int main(int argc, char** argv) {
  prefer_passive_openmp_waiting(argv);
  CLI::App app{"hone — fine-tune transformer language models natively"};
  app.set_version_flag("--version", "hone 0.1.0");
  app.require_subcommand(1);
  auto verbs = hone::cli::verb_registry();
  std::sort(verbs.begin(), verbs.end(), [](auto& a, auto& b) { return std::strcmp(a.first, b.first) < 0; });
  for (auto& [name, setup] : verbs) setup(app);
  const std::vector<std::string> args = hone::cli::canonical_flag_spelling(argc, argv);
  std::vector<const char*> arg_ptrs;
  for (const std::string& a : args) arg_ptrs.push_back(a.c_str());
  try {
    app.parse(int(arg_ptrs.size()), arg_ptrs.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const hone::Error& e) {
    std::cerr << "hone: error: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "hone: error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    // Every reader turns bad input into hone::Error naming the file and key; reaching this
    // is a bug, but it still ends in one line and a non-zero status rather than an abort.
    std::cerr << "hone: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
