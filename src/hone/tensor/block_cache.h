// The cache behind the tensor allocator's large blocks (see allocator.h for why it exists).
//
// Blocks are whole pages mapped from the OS. A freed block is kept; a request takes a cached
// block of its size (the best fit, if at most 1/8 larger than the request; the most recently
// freed of that size, whose pages are likely still in the CPU caches). When none fits, the request maps fresh pages while the bytes
// mapped (in use + cached) stay within limit(), 1/8 above the most ever in use. Beyond that it is
// assembled from the pages of other cached blocks, moved by mremap (neither copied nor faulted in
// again), and only what they do not cover is new; the oldest cached blocks are then unmapped to
// stay within the limit. So a training step whose backward needs other sizes than its forward
// reshapes the memory it already has instead of growing the process or faulting pages in.
//
// Blocks can also come from malloc (Source::kMalloc): then pages are never moved (a miss beyond
// the limit evicts, then allocates). The tensor allocator uses that in sanitizer builds, where
// LeakSanitizer then still sees a leaked tensor, and on systems without mremap. Under
// AddressSanitizer cached blocks are poisoned, so a use after free is still reported.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>

namespace hone::detail {

struct BlockCacheStats {
  size_t in_use_bytes = 0;  // blocks handed out (whole pages)
  size_t in_use_high = 0;   // most in_use_bytes ever
  size_t cached_bytes = 0;  // blocks freed and kept
  size_t mapped_bytes = 0;  // in use + cached
  size_t hits = 0;          // requests served by a cached block of about their size
  size_t misses = 0;        // the others
  size_t assembled = 0;     // misses served with pages moved from other cached blocks
};

class BlockCache {
 public:
  enum class Source {
    kMappedPages,  // mmap, and mremap to move pages between blocks (Linux)
    kMalloc,
  };
  // kMappedPages where available, except in sanitizer builds.
  static Source default_source();
  // A block is at most this many mappings side by side (assembling stops there and maps the
  // rest fresh), which keeps the process far from the kernel's limit on mappings.
  static constexpr size_t kMaxSegments = 8;
  // What is left of a block whose front went into an assembled one is unmapped below this size:
  // the tensor allocator sends smaller requests to malloc, so a sliver would only ever be moved
  // again, one more mapping at a time.
  static constexpr size_t kMinRemainder = size_t(128) << 10;

  explicit BlockCache(Source source = default_source());
  ~BlockCache();  // unmaps the cache; blocks still in use are the caller's problem
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // At least `bytes` (> 0), page aligned; nullptr when the OS has no memory left.
  void* allocate(size_t bytes);
  // Takes back a block from allocate(); throws for any other pointer.
  void free(void* ptr);
  // Unmaps every cached block.
  void release_cached();
  BlockCacheStats stats();
  bool moves_pages() const { return source_ == Source::kMappedPages; }

 private:
  struct Segments {  // the mappings a block is made of, in address order
    std::array<size_t, kMaxSegments> bytes{};
    size_t count = 0;
    void push(size_t b) { bytes[count++] = b; }
  };
  struct Block {
    size_t bytes = 0;  // whole pages
    Segments segments;
  };
  struct Cached {
    void* ptr;
    Block block;
  };

  size_t limit() const { return in_use_high_ + in_use_high_ / 8; }
  void cache(void* p, const Block& block, uint64_t age);
  Cached uncache(std::map<uint64_t, Cached>::iterator it);
  void* take_cached(size_t len);
  void* fresh(size_t len, Segments& segments);
  void* assemble(size_t len, Segments& segments);
  void evict(size_t bytes);
  void* map_fresh(size_t len) const;
  void unmap(void* p, size_t len) const;

  const Source source_;
  std::mutex mutex_;
  std::unordered_map<void*, Block> in_use_;
  std::set<std::pair<size_t, uint64_t>> by_size_;  // cached: (bytes, age)
  std::map<uint64_t, Cached> by_age_;               // cached: age -> block
  uint64_t next_age_ = 0;
  size_t cached_ = 0, mapped_ = 0, in_use_bytes_ = 0, in_use_high_ = 0;
  size_t hits_ = 0, misses_ = 0, assembled_ = 0;
};

}  // namespace hone::detail
