// Tensor memory: 64-byte aligned blocks with live and peak byte counts, so training can report
// exactly what its tensors hold (resident memory also counts code, BLAS buffers and mmaps).
#pragma once

#include <cstddef>

namespace hone {

struct MemoryStats {
  size_t live_bytes = 0;  // bytes currently allocated for tensors
  size_t peak_bytes = 0;  // highest live_bytes since start or the last reset_peak_memory()
  size_t allocations = 0; // number of allocations since start
};

void* allocate_tensor_bytes(size_t bytes);
void free_tensor_bytes(void* ptr, size_t bytes);

MemoryStats memory_stats();
void reset_peak_memory();

// Peak resident set size of the whole process (VmHWM), in bytes; 0 where unavailable.
size_t peak_resident_bytes();
// Current resident set size (VmRSS), in bytes.
size_t resident_bytes();

}  // namespace hone
