// A verb's --threads N: at most the cores this process may use, with a note on stderr when a
// request is capped (more threads than cores only slows a run down, or hangs OpenBLAS).
#pragma once

namespace hone::cli {

void apply_threads_flag(int requested);

}  // namespace hone::cli
