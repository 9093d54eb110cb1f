// Each verb of the `hone` command lives in its own file and registers itself here with
// HONE_REGISTER_VERB, so adding a verb touches no other file. Verb files stay thin: parse
// flags, call the library, print.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace hone::cli {

using VerbSetup = std::function<void(CLI::App&)>;

// Verbs in registration order (main sorts them by name for --help).
std::vector<std::pair<const char*, VerbSetup>>& verb_registry();

struct VerbRegistrar {
  VerbRegistrar(const char* name, VerbSetup setup) { verb_registry().emplace_back(name, std::move(setup)); }
};

}  // namespace hone::cli

// In a verb's .cpp: HONE_REGISTER_VERB(info, add_info_verb) where add_info_verb(CLI::App& app)
// adds the subcommand and its callback.
#define HONE_REGISTER_VERB(name, setup) \
  static ::hone::cli::VerbRegistrar hone_verb_registrar_##name(#name, setup)
