#include "hone/data/seeded_permutation.h"

#include <numeric>
#include <utility>

#include "hone/util/error.h"
#include "hone/util/rng.h"

namespace hone {

std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed, uint64_t stream) {
  HONE_CHECK(n >= 0, "cannot permute ", n, " items");
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t(0));
  Rng rng(seed, stream);
  for (int64_t i = n - 1; i > 0; --i) {
    // 64 random bits scaled into [0, i]: the bias is below (i + 1) / 2^64.
    const uint64_t bits = (uint64_t(rng.next_bits()) << 32) | rng.next_bits();
    const auto j = int64_t((static_cast<unsigned __int128>(bits) * uint64_t(i + 1)) >> 64);
    std::swap(order[size_t(i)], order[size_t(j)]);
  }
  return order;
}

}  // namespace hone
