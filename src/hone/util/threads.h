// One thread count for the whole process: hone's OpenMP kernels and the BLAS library.
// OpenBLAS is linked in its OpenMP build, so both draw from the same pool and never run
// more threads than cores between them.
#pragma once

namespace hone {

// Sets the number of threads used by kernels and BLAS. n <= 0 means "all cores".
void set_threads(int n);

// The thread count currently in force.
int threads();

}  // namespace hone
