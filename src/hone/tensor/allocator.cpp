#include "hone/tensor/allocator.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <new>
#include <string>

#include "hone/util/error.h"

namespace hone {

namespace {
std::atomic<size_t> g_live{0};
std::atomic<size_t> g_peak{0};
std::atomic<size_t> g_count{0};
constexpr size_t kAlignment = 64;

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
  const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* ptr = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  HONE_CHECK(ptr != nullptr, "out of memory allocating ", bytes, " bytes for a tensor (",
             g_live.load() / (1 << 20), " MiB already live)");
  const size_t live = g_live.fetch_add(bytes) + bytes;
  size_t peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
  g_count.fetch_add(1);
  return ptr;
}

void free_tensor_bytes(void* ptr, size_t bytes) {
  if (!ptr) return;
  std::free(ptr);
  g_live.fetch_sub(bytes);
}

MemoryStats memory_stats() { return {g_live.load(), g_peak.load(), g_count.load()}; }

void reset_peak_memory() { g_peak.store(g_live.load()); }

size_t peak_resident_bytes() { return read_status_kb("VmHWM"); }
size_t resident_bytes() { return read_status_kb("VmRSS"); }

}  // namespace hone
