// The page-block cache behind large tensors: reuse, the bound on mapped memory, assembling a
// block from other blocks' pages, and that blocks never overlap or lose their contents.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "hone/tensor/allocator.h"
#include "hone/tensor/block_cache.h"
#include "hone/tensor/tensor.h"
#include "hone/util/error.h"

namespace hone::detail {
namespace {

const size_t kPage = size_t(sysconf(_SC_PAGESIZE));
constexpr size_t kMiB = size_t(1) << 20;

// Fills a block with a pattern unique to (tag, position) and checks it back.
void fill(void* p, size_t bytes, uint32_t tag) {
  auto* w = static_cast<uint32_t*>(p);
  for (size_t i = 0; i < bytes / 4; ++i) w[i] = tag * 2654435761u + uint32_t(i);
}
bool holds(const void* p, size_t bytes, uint32_t tag) {
  const auto* w = static_cast<const uint32_t*>(p);
  for (size_t i = 0; i < bytes / 4; ++i)
    if (w[i] != tag * 2654435761u + uint32_t(i)) return false;
  return true;
}

// Every behaviour holds for both sources of blocks: mapped pages (moved between blocks) and
// malloc (what sanitizer builds use).
class BlockCacheTest : public ::testing::TestWithParam<BlockCache::Source> {};

std::vector<BlockCache::Source> sources() {
#ifdef __linux__
  return {BlockCache::Source::kMappedPages, BlockCache::Source::kMalloc};
#else
  return {BlockCache::Source::kMalloc};
#endif
}

INSTANTIATE_TEST_SUITE_P(Sources, BlockCacheTest, ::testing::ValuesIn(sources()),
                         [](const auto& info) {
                           return info.param == BlockCache::Source::kMalloc ? "Malloc" : "MappedPages";
                         });

TEST_P(BlockCacheTest, ReusesAFreedBlockOfTheSameSize) {
  BlockCache cache(GetParam());
  void* a = cache.allocate(kMiB);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % kPage, 0u);
  fill(a, kMiB, 1);
  cache.free(a);
  EXPECT_EQ(cache.stats().cached_bytes, kMiB);
  void* b = cache.allocate(kMiB);
  EXPECT_EQ(b, a);
  const BlockCacheStats s = cache.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.cached_bytes, 0u);
  EXPECT_EQ(s.mapped_bytes, kMiB);
  cache.free(b);
}

TEST_P(BlockCacheTest, TakesABlockUpToAnEighthLargerThanTheRequest) {
  BlockCache cache(GetParam());
  void* a = cache.allocate(kMiB);
  cache.free(a);
  void* b = cache.allocate(kMiB - kMiB / 16);  // the block is 1/15 larger: taken
  EXPECT_EQ(b, a);
  cache.free(b);
  void* c = cache.allocate(kMiB / 2);  // would waste half the block: a miss
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().in_use_bytes, kMiB / 2);
  cache.free(c);
}

TEST_P(BlockCacheTest, RoundsToWholePagesAndTakesOddSizes) {
  BlockCache cache(GetParam());
  void* a = cache.allocate(kPage * 3 + 1);
  EXPECT_EQ(cache.stats().in_use_bytes, kPage * 4);
  fill(a, kPage * 3, 7);
  EXPECT_TRUE(holds(a, kPage * 3, 7));
  cache.free(a);
}

TEST_P(BlockCacheTest, RejectsAPointerItDidNotHandOut) {
  BlockCache cache(GetParam());
  int x = 0;
  EXPECT_THROW(cache.free(&x), Error);
}

TEST_P(BlockCacheTest, ReleaseCachedUnmapsOnlyCachedBlocks) {
  BlockCache cache(GetParam());
  void* kept = cache.allocate(kMiB);
  void* freed = cache.allocate(2 * kMiB);
  cache.free(freed);
  EXPECT_EQ(cache.stats().mapped_bytes, 3 * kMiB);
  cache.release_cached();
  const BlockCacheStats s = cache.stats();
  EXPECT_EQ(s.cached_bytes, 0u);
  EXPECT_EQ(s.mapped_bytes, kMiB);
  fill(kept, kMiB, 3);
  EXPECT_TRUE(holds(kept, kMiB, 3));
  cache.free(kept);
}

// Two phases that need different sizes, like forward activations and full fine-tuning's weight
// gradients: the mapped total must stay within 1/8 of the most ever in use, and every block must
// keep what is written to it while other blocks come and go.
TEST_P(BlockCacheTest, PhasesOfOtherSizesStayWithinTheLimit) {
  BlockCache cache(GetParam());
  const size_t sizes[2][3] = {{6 * kMiB, 2 * kMiB + 5 * kPage, 3 * kPage * 40}, {3 * kMiB + 7 * kPage, kMiB, 5 * kMiB}};
  size_t high = 0;
  for (int round = 0; round < 6; ++round) {
    for (int phase = 0; phase < 2; ++phase) {
      std::vector<std::pair<void*, size_t>> live;
      for (int i = 0; i < 12; ++i) {
        const size_t bytes = sizes[phase][i % 3];
        void* p = cache.allocate(bytes);
        ASSERT_NE(p, nullptr);
        fill(p, bytes, uint32_t(round * 100 + phase * 20 + i));
        live.emplace_back(p, bytes);
      }
      for (size_t i = 0; i < live.size(); ++i)
        ASSERT_TRUE(holds(live[i].first, live[i].second, uint32_t(round * 100 + phase * 20 + int(i))))
            << "round " << round << " phase " << phase << " block " << i;
      const BlockCacheStats s = cache.stats();
      high = std::max(high, s.in_use_high);
      EXPECT_LE(s.mapped_bytes, s.in_use_high + s.in_use_high / 8) << "round " << round << " phase " << phase;
      for (auto& [p, bytes] : live) cache.free(p);
    }
  }
  const BlockCacheStats s = cache.stats();
  EXPECT_EQ(s.in_use_bytes, 0u);
  EXPECT_LE(s.mapped_bytes, high + high / 8);
  if (cache.moves_pages()) {
    EXPECT_GT(s.assembled, 0u);
  }
}

#ifdef __linux__
// Pages of a resident cached block moved into a new block are resident without being touched:
// assembling faults nothing in. (Only mapped pages can move: malloc blocks have none to move.)
TEST(BlockCacheMappedPages, AssembledBlocksReuseResidentPages) {
  BlockCache cache(BlockCache::Source::kMappedPages);
  ASSERT_TRUE(cache.moves_pages());
  // Reach a high-water mark of 8 MiB with two 4 MiB blocks, then free them: 8 MiB cached.
  void* a = cache.allocate(4 * kMiB);
  void* b = cache.allocate(4 * kMiB);
  fill(a, 4 * kMiB, 1);
  fill(b, 4 * kMiB, 2);
  cache.free(a);
  cache.free(b);
  // Use 4 MiB elsewhere and ask for 5 MiB: no cached block of that size, and a fresh mapping
  // would exceed the limit (9 MiB), so the cached blocks' pages must be moved in.
  void* c = cache.allocate(4 * kMiB);  // reuses one of them
  void* d = cache.allocate(5 * kMiB);
  ASSERT_NE(d, nullptr);
  const BlockCacheStats s = cache.stats();
  EXPECT_EQ(s.assembled, 1u);
  EXPECT_LE(s.mapped_bytes, s.in_use_high + s.in_use_high / 8);
  // The first 4 MiB came from the resident cached block; only the last MiB is new.
  std::vector<unsigned char> resident(5 * kMiB / kPage);
  ASSERT_EQ(mincore(d, 5 * kMiB, resident.data()), 0);
  size_t pages = 0;
  for (unsigned char r : resident) pages += r & 1;
  EXPECT_GE(pages, 4 * kMiB / kPage);
  fill(d, 5 * kMiB, 9);
  fill(c, 4 * kMiB, 8);
  EXPECT_TRUE(holds(d, 5 * kMiB, 9));
  EXPECT_TRUE(holds(c, 4 * kMiB, 8));
  cache.free(c);
  cache.free(d);
}
#endif

// Many small cached blocks and one large request: the new block is capped at kMaxSegments
// mappings (the rest is fresh) and is whole and writable.
TEST_P(BlockCacheTest, AssemblingFromManySmallBlocksIsCapped) {
  BlockCache cache(GetParam());
  std::vector<void*> small;
  for (int i = 0; i < 24; ++i) small.push_back(cache.allocate(256 << 10));
  for (void* p : small) cache.free(p);
  void* keep = cache.allocate(256 << 10);  // in use, so the high-water mark counts 24 blocks
  void* big = cache.allocate(5 * kMiB);    // 20 blocks' worth
  ASSERT_NE(big, nullptr);
  fill(big, 5 * kMiB, 5);
  EXPECT_TRUE(holds(big, 5 * kMiB, 5));
  const BlockCacheStats s = cache.stats();
  EXPECT_LE(s.mapped_bytes, s.in_use_high + s.in_use_high / 8);
  cache.free(big);
  cache.free(keep);
  // The assembled block goes back to the cache whole and serves its size again.
  EXPECT_EQ(cache.allocate(5 * kMiB), big);
  cache.free(big);
}

TEST_P(BlockCacheTest, ThreadsDoNotShareBlocks) {
  BlockCache cache(GetParam());
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      uint32_t state = uint32_t(t) * 7919u + 1;
      for (int i = 0; i < 200; ++i) {
        state = state * 1664525u + 1013904223u;
        const size_t bytes = (1 + state % 24) * 64 * 1024 + (state >> 8) % kPage;
        void* p = cache.allocate(bytes);
        const uint32_t tag = uint32_t(t * 1000 + i);
        fill(p, bytes, tag);
        std::this_thread::yield();
        if (!holds(p, bytes, tag)) ++failures[size_t(t)];
        cache.free(p);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
  EXPECT_EQ(cache.stats().in_use_bytes, 0u);
}

// Through the tensor allocator: a large tensor's memory comes back for the next tensor of its
// size, and live bytes still count what tensors asked for.
TEST(TensorAllocator, ReusesLargeBlocks) {
  const size_t before = memory_stats().live_bytes;
  void* first = nullptr;
  {
    Tensor t = Tensor::empty({512, 1024});  // 2 MiB
    first = t.raw();
    EXPECT_EQ(memory_stats().live_bytes, before + 2 * kMiB);
  }
  const MemoryStats after_free = memory_stats();
  EXPECT_EQ(after_free.live_bytes, before);
  EXPECT_GE(after_free.cached_bytes, 2 * kMiB);
  Tensor again = Tensor::zeros({512, 1024});
  EXPECT_EQ(again.raw(), first);
  EXPECT_EQ(again.to_doubles()[12345], 0.0);  // zeros() clears a reused block
  Tensor small = Tensor::empty({16});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small.raw()) % 64, 0u);
  release_cached_tensor_memory();
  EXPECT_EQ(memory_stats().cached_bytes, 0u);
}

}  // namespace
}  // namespace hone::detail
