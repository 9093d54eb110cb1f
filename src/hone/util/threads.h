// One thread count for the whole process: hone's OpenMP kernels and the BLAS library.
// OpenBLAS is linked in its OpenMP build, so both draw from the same pool and never run
// more threads than cores between them.
#pragma once

namespace hone {

// Sets the number of threads used by kernels and BLAS. n <= 0 means "all cores".
void set_threads(int n);

// The thread count currently in force.
int threads();

// Cores this process may run on (its CPU affinity mask, which containers and taskset narrow).
int available_cores();

// For a user's --threads: the count to use, at most available_cores(). More threads than cores
// only slow a run down, and OpenBLAS with 63+ threads under a memory limit hangs allocating
// per-thread buffers (issue 11). n <= 0 means all available cores.
int usable_threads(int n);

}  // namespace hone
