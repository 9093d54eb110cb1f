// Each verb of the `hone` command lives in its own file and registers itself on the app here.
// Verb files stay thin: parse flags, call the library, print.
#pragma once

#include <CLI/CLI.hpp>

namespace hone::cli {

void add_info_verb(CLI::App& app);

}  // namespace hone::cli
