// The `hone` command: dispatches to one verb per file (see verbs.h).
#include <algorithm>
#include <cstring>
#include <iostream>

#include "hone/cli/verbs.h"
#include "hone/util/error.h"

namespace hone::cli {
std::vector<std::pair<const char*, VerbSetup>>& verb_registry() {
  static std::vector<std::pair<const char*, VerbSetup>> verbs;
  return verbs;
}
}  // namespace hone::cli

int main(int argc, char** argv) {
  CLI::App app{"hone — fine-tune transformer language models natively"};
  app.set_version_flag("--version", "hone 0.1.0");
  app.require_subcommand(1);
  auto verbs = hone::cli::verb_registry();
  std::sort(verbs.begin(), verbs.end(), [](auto& a, auto& b) { return std::strcmp(a.first, b.first) < 0; });
  for (auto& [name, setup] : verbs) setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const hone::Error& e) {
    std::cerr << "hone: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
