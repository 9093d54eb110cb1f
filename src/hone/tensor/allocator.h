// Tensor memory: 64-byte aligned blocks with live and peak byte counts, so training can report
// exactly what its tensors hold (resident memory also counts code, BLAS buffers and mmaps).
//
// Large blocks (kLargeBlockBytes and up) come from a cache of whole pages (block_cache.h): a
// training step allocates and frees the same activation and gradient sizes every step, and
// reusing resident blocks avoids both the page faults of fresh memory and the fragmentation a
// general-purpose heap builds up from interleaved sizes (measured on smollm2-135m LoRA: glibc's
// heap held ~250 MB of resident memory above the live tensors and faulted ~39k pages per step;
// the cache holds ~40 MB above them and faults none once warm). The cache maps at most 1/8
// more than the most that was ever in use. Smaller blocks come from malloc.
#pragma once

#include <cstddef>

namespace hone {

// Blocks of this size and up come from the page cache; smaller ones from malloc.
inline constexpr size_t kLargeBlockBytes = size_t(128) << 10;

struct MemoryStats {
  size_t live_bytes = 0;    // bytes currently allocated for tensors (as requested)
  size_t peak_bytes = 0;    // highest live_bytes since start or the last reset_peak_memory()
  size_t allocations = 0;   // number of allocations since start
  // Large blocks (whole pages): freed and kept for reuse, and held from the OS in all.
  size_t cached_bytes = 0;
  size_t mapped_bytes = 0;
  size_t cache_hits = 0;       // large requests served by a cached block of about their size
  size_t cache_misses = 0;     // the others
  size_t cache_assembled = 0;  // misses served with pages moved from other cached blocks
};

void* allocate_tensor_bytes(size_t bytes);
void free_tensor_bytes(void* ptr, size_t bytes);

MemoryStats memory_stats();
void reset_peak_memory();

// Returns every cached block to the OS (e.g. between training and a different workload).
void release_cached_tensor_memory();

// Peak resident set size of the whole process (VmHWM), in bytes; 0 where unavailable.
size_t peak_resident_bytes();
// Current resident set size (VmRSS), in bytes.
size_t resident_bytes();

}  // namespace hone
