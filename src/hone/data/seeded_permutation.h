// A permutation of 0..n-1 that is a pure function of (seed, stream): the data order of an epoch
// and the validation split replay exactly after a restart, on any machine.
#pragma once

#include <cstdint>
#include <vector>

namespace hone {

// Streams of hone's Rng reserved for data order, so they never coincide with init or dropout
// streams drawn from the same seed.
constexpr uint64_t kEpochOrderStream = 0x64617461'00000000ull;  // + epoch
constexpr uint64_t kValidationSplitStream = 0x76616c69'64000000ull;

// Fisher-Yates over Rng(seed, stream).
std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed, uint64_t stream);

}  // namespace hone
