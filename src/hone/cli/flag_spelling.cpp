#include "hone/cli/flag_spelling.h"

#include <algorithm>

namespace hone::cli {

std::vector<std::string> canonical_flag_spelling(int argc, const char* const* argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string& a = args[i];
    if (a == "--") break;  // what follows is positional, whatever it looks like
    if (a.size() <= 2 || a.compare(0, 2, "--") != 0) continue;
    const auto name_end = std::min(a.find('='), a.size());
    std::replace(a.begin() + 2, a.begin() + std::ptrdiff_t(name_end), '-', '_');
  }
  return args;
}

}  // namespace hone::cli
