#include "hone/tensor/allocator.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <string>

#include "hone/tensor/allocator_profile.h"
#include "hone/tensor/block_cache.h"
#include "hone/util/error.h"

namespace hone {

namespace {

constexpr size_t kAlignment = 64;

std::atomic<size_t> g_live{0};
std::atomic<size_t> g_peak{0};
std::atomic<size_t> g_count{0};

// Never destroyed: tensors in static storage may be freed after other statics are gone.
detail::BlockCache& large_blocks() {
  static detail::BlockCache* cache = new detail::BlockCache;
  return *cache;
}

size_t read_status_kb(const char* key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(status, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size())) * 1024;
  }
  return 0;
}

}  // namespace

void* allocate_tensor_bytes(size_t bytes) {
  void* ptr = nullptr;
  if (bytes >= kLargeBlockBytes) {
    ptr = large_blocks().allocate(bytes);
  } else {
    const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    ptr = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  }
  HONE_CHECK(ptr != nullptr, "out of memory allocating ", bytes, " bytes for a tensor (",
             g_live.load() / (1 << 20), " MiB already live)");
  const size_t live = g_live.fetch_add(bytes) + bytes;
  size_t peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
  g_count.fetch_add(1);
  if (detail::tensor_profile_enabled()) detail::profile_tensor_allocated(ptr, bytes);
  return ptr;
}

void free_tensor_bytes(void* ptr, size_t bytes) {
  if (!ptr) return;
  if (detail::tensor_profile_enabled()) detail::profile_tensor_freed(ptr);
  // The same size test as in allocate_tensor_bytes: a Storage frees with the size it asked for.
  if (bytes >= kLargeBlockBytes) large_blocks().free(ptr);
  else std::free(ptr);
  g_live.fetch_sub(bytes);
}

MemoryStats memory_stats() {
  const detail::BlockCacheStats c = large_blocks().stats();
  MemoryStats s;
  s.live_bytes = g_live.load();
  s.peak_bytes = g_peak.load();
  s.allocations = g_count.load();
  s.cached_bytes = c.cached_bytes;
  s.mapped_bytes = c.mapped_bytes;
  s.cache_hits = c.hits;
  s.cache_misses = c.misses;
  s.cache_assembled = c.assembled;
  return s;
}

void reset_peak_memory() { g_peak.store(g_live.load()); }

void release_cached_tensor_memory() { large_blocks().release_cached(); }

size_t peak_resident_bytes() { return read_status_kb("VmHWM"); }
size_t resident_bytes() { return read_status_kb("VmRSS"); }

}  // namespace hone
