#include "hone/cli/threads_flag.h"

#include <cstdio>

#include "hone/util/threads.h"

namespace hone::cli {

void apply_threads_flag(int requested) {
  const int used = usable_threads(requested);
  if (requested > used)
    std::fprintf(stderr, "note: --threads %d capped at the %d cores available to this process\n", requested, used);
  set_threads(used);
}

}  // namespace hone::cli
