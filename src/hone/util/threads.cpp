#include "hone/util/threads.h"

#include <omp.h>
#include <sched.h>

#include <algorithm>
#include <thread>

extern "C" void openblas_set_num_threads(int);

namespace hone {

void set_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int threads() { return omp_get_max_threads(); }

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

int usable_threads(int n) {
  const int cores = available_cores();
  return n <= 0 ? cores : std::min(n, cores);
}

}  // namespace hone
