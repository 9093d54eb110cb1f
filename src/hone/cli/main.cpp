// The `hone` command: dispatches to one verb per file (see verbs.h).
#include <iostream>

#include "hone/cli/verbs.h"
#include "hone/util/error.h"

int main(int argc, char** argv) {
  CLI::App app{"hone — fine-tune transformer language models natively"};
  app.set_version_flag("--version", "hone 0.1.0");
  app.require_subcommand(1);
  hone::cli::add_info_verb(app);
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
