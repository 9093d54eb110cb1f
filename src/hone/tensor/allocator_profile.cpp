#include "hone/tensor/allocator_profile.h"

#include <dlfcn.h>
#include <execinfo.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace hone::detail {

namespace {

constexpr int kFrames = 10;  // enough to reach the op and the model code that called it
using Stack = std::array<void*, kFrames>;

struct StackHash {
  size_t operator()(const Stack& s) const {
    size_t h = 0;
    for (void* p : s) h = h * 1000003u ^ reinterpret_cast<size_t>(p);
    return h;
  }
};

struct Site {
  size_t live_bytes = 0;
  size_t live_count = 0;
};

// Live bytes per allocation site, and a copy of that table taken each time the total reaches a
// new peak. Leaked on purpose: it must outlive every tensor, including static ones.
struct Profile {
  std::mutex mutex;
  std::unordered_map<Stack, Site, StackHash> sites;
  std::unordered_map<void*, std::pair<size_t, const Stack*>> blocks;
  std::vector<std::pair<Stack, Site>> at_peak;
  size_t live = 0, peak = 0;
};

Profile& profile() {
  static Profile* p = new Profile;
  return *p;
}

void print_profile() {
  Profile& p = profile();
  std::lock_guard<std::mutex> lock(p.mutex);
  auto rows = p.at_peak;
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.live_bytes > b.second.live_bytes; });
  std::fprintf(stderr, "HONE_TENSOR_PROFILE peak %.2f MiB of tensors; live at the peak, by allocation stack:\n",
               double(p.peak) / (1 << 20));
  for (const auto& [stack, site] : rows) {
    std::fprintf(stderr, "HONE_TENSOR_PROFILE site %.2f MiB %zu tensors:", double(site.live_bytes) / (1 << 20),
                 site.live_count);
    for (void* frame : stack) {
      Dl_info info;
      // Return addresses point after the call; one byte back lands inside it for addr2line.
      if (frame && dladdr(frame, &info) && info.dli_fname)
        std::fprintf(stderr, " %s+0x%zx", info.dli_fname,
                     size_t(static_cast<char*>(frame) - static_cast<char*>(info.dli_fbase)) - 1);
    }
    std::fprintf(stderr, "\n");
  }
}

}  // namespace

bool tensor_profile_enabled() {
  static const bool enabled = std::getenv("HONE_TENSOR_PROFILE") != nullptr;
  return enabled;
}

void profile_tensor_allocated(void* ptr, size_t bytes) {
  void* frames[kFrames + 2];
  const int n = backtrace(frames, kFrames + 2);
  Stack stack{};  // skip this function and the allocator
  for (int i = 2; i < n; ++i) stack[size_t(i - 2)] = frames[i];
  Profile& p = profile();
  std::lock_guard<std::mutex> lock(p.mutex);
  static const bool registered = [] { return std::atexit(print_profile) == 0; }();
  (void)registered;
  auto site = p.sites.try_emplace(stack).first;
  site->second.live_bytes += bytes;
  ++site->second.live_count;
  p.blocks[ptr] = {bytes, &site->first};
  p.live += bytes;
  if (p.live > p.peak) {
    p.peak = p.live;
    p.at_peak.clear();
    for (const auto& [s, info] : p.sites)
      if (info.live_count) p.at_peak.emplace_back(s, info);
  }
}

void profile_tensor_freed(void* ptr) {
  Profile& p = profile();
  std::lock_guard<std::mutex> lock(p.mutex);
  auto block = p.blocks.find(ptr);
  if (block == p.blocks.end()) return;
  Site& site = p.sites[*block->second.second];
  site.live_bytes -= block->second.first;
  --site.live_count;
  p.live -= block->second.first;
  p.blocks.erase(block);
}

}  // namespace hone::detail
