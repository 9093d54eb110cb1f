// One flag style for every verb. Options are declared with the recipe keys' underscore spelling
// (`--max_new_tokens`: canonical, and the only one `--help` shows); a dashed spelling
// (`--max-new-tokens`) is rewritten to it before CLI11 parses, so both work for every verb
// without per-verb code.
#pragma once

#include <string>
#include <vector>

namespace hone::cli {

// The command line with every long option's name (the part of `--name[=value]` before `=`)
// spelled with underscores for dashes. Values, short options and everything after a bare `--`
// are left as they are.
std::vector<std::string> canonical_flag_spelling(int argc, const char* const* argv);

}  // namespace hone::cli
