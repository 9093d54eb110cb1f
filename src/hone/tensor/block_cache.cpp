#include "hone/tensor/block_cache.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "hone/util/error.h"

#if defined(__SANITIZE_ADDRESS__)
#define HONE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HONE_ASAN 1
#endif
#endif
#ifdef HONE_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace hone::detail {

namespace {

size_t page_size() {
  static const size_t size = [] {
    const long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? size_t(p) : size_t(4096);
  }();
  return size;
}

void poison(void* p, size_t len) {
#ifdef HONE_ASAN
  ASAN_POISON_MEMORY_REGION(p, len);
#else
  (void)p, (void)len;
#endif
}

void unpoison(void* p, size_t len) {
#ifdef HONE_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, len);
#else
  (void)p, (void)len;
#endif
}

}  // namespace

BlockCache::Source BlockCache::default_source() {
#if defined(__linux__) && !defined(HONE_ASAN)
  return Source::kMappedPages;
#else
  return Source::kMalloc;
#endif
}

BlockCache::BlockCache(Source source) : source_(source) {
#ifndef __linux__
  HONE_CHECK(source != Source::kMappedPages, "BlockCache: moving pages needs Linux's mremap");
#endif
}

BlockCache::~BlockCache() { release_cached(); }

void* BlockCache::allocate(size_t bytes) {
  const size_t len = (std::max<size_t>(bytes, 1) + page_size() - 1) / page_size() * page_size();
  std::lock_guard<std::mutex> lock(mutex_);
  if (void* p = take_cached(len)) {
    ++hits_;
    return p;
  }
  ++misses_;
  in_use_high_ = std::max(in_use_high_, in_use_bytes_ + len);
  Block block{len, {}};
  void* p = mapped_ + len <= limit() || cached_ == 0 ? fresh(len, block.segments) : assemble(len, block.segments);
  if (!p) return nullptr;
  in_use_bytes_ += len;
  in_use_.emplace(p, block);
  return p;
}

void BlockCache::free(void* p) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = in_use_.find(p);
  HONE_CHECK(it != in_use_.end(), "internal: freeing a tensor block the allocator did not hand out");
  const Block block = it->second;
  in_use_.erase(it);
  in_use_bytes_ -= block.bytes;
  cache(p, block, next_age_++);
  poison(p, block.bytes);
}

void BlockCache::release_cached() {
  std::lock_guard<std::mutex> lock(mutex_);
  evict(cached_);
}

BlockCacheStats BlockCache::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return {in_use_bytes_, in_use_high_, cached_, mapped_, hits_, misses_, assembled_};
}

void BlockCache::cache(void* p, const Block& block, uint64_t age) {
  by_size_.emplace(block.bytes, age);
  by_age_.emplace(age, Cached{p, block});
  cached_ += block.bytes;
}

BlockCache::Cached BlockCache::uncache(std::map<uint64_t, Cached>::iterator it) {
  const Cached c = it->second;
  by_size_.erase({c.block.bytes, it->first});
  by_age_.erase(it);
  cached_ -= c.block.bytes;
  unpoison(c.ptr, c.block.bytes);
  return c;
}

void* BlockCache::take_cached(size_t len) {
  const auto fit = by_size_.lower_bound({len, 0});
  if (fit == by_size_.end() || fit->first > len + len / 8) return nullptr;
  const auto newest = std::prev(by_size_.lower_bound({fit->first + 1, 0}));
  const Cached c = uncache(by_age_.find(newest->second));
  in_use_bytes_ += c.block.bytes;
  in_use_high_ = std::max(in_use_high_, in_use_bytes_);
  in_use_.emplace(c.ptr, c.block);
  return c.ptr;
}

void* BlockCache::map_fresh(size_t len) const {
  if (source_ == Source::kMalloc) return std::aligned_alloc(page_size(), len);
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

void BlockCache::unmap(void* p, size_t len) const {
  if (source_ == Source::kMalloc) std::free(p);
  else munmap(p, len);
}

// New pages; if the OS refuses, the cache is given back and the request retried once.
void* BlockCache::fresh(size_t len, Segments& segments) {
  void* p = map_fresh(len);
  if (!p) {
    evict(cached_);
    p = map_fresh(len);
  }
  if (!p) return nullptr;
  mapped_ += len;
  segments.push(len);
  return p;
}

// Moves cached pages into a new mapping of len bytes, a whole segment or a segment's front at a
// time, from the smallest cached block that covers the rest, else the largest (few pieces, one
// remainder). What is left of the last block used stays cached with its age, unless too small
// to be worth a mapping.
void* BlockCache::assemble(size_t len, Segments& segments) {
  if (source_ == Source::kMalloc) {
    if (mapped_ + len > limit()) evict(mapped_ + len - limit());
    return fresh(len, segments);
  }
#ifdef __linux__
  char* dest = static_cast<char*>(map_fresh(len));
  if (!dest) return fresh(len, segments);
  ++assembled_;
  size_t filled = 0;
  bool refused = false;
  while (filled < len && !by_age_.empty() && segments.count + 1 < kMaxSegments && !refused) {
    auto pick = by_size_.lower_bound({len - filled, 0});
    if (pick == by_size_.end()) pick = std::prev(by_size_.end());
    const uint64_t age = pick->second;
    Cached donor = uncache(by_age_.find(age));
    char* src = static_cast<char*>(donor.ptr);
    size_t moved = 0, seg = 0;
    while (seg < donor.block.segments.count && filled < len && segments.count + 1 < kMaxSegments) {
      const size_t have = donor.block.segments.bytes[seg];
      const size_t take = std::min(have, len - filled);
      // A source range must lie within one mapping: hence moving segment by segment.
      if (mremap(src + moved, take, take, MREMAP_MAYMOVE | MREMAP_FIXED, dest + filled) == MAP_FAILED) {
        refused = true;  // e.g. too many mappings: the rest comes fresh
        break;
      }
      segments.push(take);
      filled += take;
      moved += take;
      if (take < have) {
        donor.block.segments.bytes[seg] = have - take;
        break;
      }
      ++seg;
    }
    mapped_ -= moved;  // now inside dest, counted below
    if (moved < donor.block.bytes) {
      Block rest{donor.block.bytes - moved, {}};
      for (size_t i = seg; i < donor.block.segments.count; ++i) rest.segments.push(donor.block.segments.bytes[i]);
      if (rest.bytes >= kMinRemainder) {
        cache(src + moved, rest, age);
      } else {  // a sliver: not worth a mapping of its own
        unmap(src + moved, rest.bytes);
        mapped_ -= rest.bytes;
      }
    }
  }
  if (refused) {
    // A failed move may leave a hole where it was to land: map the rest of dest afresh.
    if (mmap(dest + filled, len - filled, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
        MAP_FAILED) {
      munmap(dest, len);  // what was moved in goes back to the OS
      segments = Segments{};
      return fresh(len, segments);
    }
  }
  if (filled < len) segments.push(len - filled);
  mapped_ += len;
  if (mapped_ > limit()) evict(mapped_ - limit());
  return dest;
#else
  return nullptr;  // unreachable: the constructor allows kMappedPages only on Linux
#endif
}

// Unmaps the oldest cached blocks until at least `bytes` were released or none is left.
void BlockCache::evict(size_t bytes) {
  size_t released = 0;
  while (released < bytes && !by_age_.empty()) {
    const Cached c = uncache(by_age_.begin());
    unmap(c.ptr, c.block.bytes);
    mapped_ -= c.block.bytes;
    released += c.block.bytes;
  }
}

}  // namespace hone::detail
