// Counter-based random numbers (Philox-4x32-10): value i of stream (seed, stream) is a pure
// function of (seed, stream, i). Init, dropout masks, data order and MeZO perturbations can be
// replayed exactly after a resume or inside a recomputed checkpoint block, and filled in
// parallel without sharing a generator.
#pragma once

#include <array>
#include <cstdint>

namespace hone {

// The Philox-4x32-10 block function: four 32-bit outputs for one 128-bit counter.
std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key);

class Rng {
 public:
  explicit Rng(uint64_t seed = 0, uint64_t stream = 0) : seed_(seed), stream_(stream) {}

  // The raw 32-bit value at position i of this stream.
  uint32_t bits(uint64_t i) const;
  // Uniform in [0, 1) with 24 bits of resolution, at position i.
  float uniform(uint64_t i) const;
  // Standard normal (Box-Muller on positions 2i and 2i+1).
  float normal(uint64_t i) const;

  // Sequential use: each call consumes the next position(s). offset() is what a checkpoint saves.
  uint32_t next_bits() { return bits(offset_++); }
  float next_uniform() { return uniform(offset_++); }
  float next_normal() { return normal(offset_++); }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t offset) { offset_ = offset; }
  uint64_t seed() const { return seed_; }
  uint64_t stream() const { return stream_; }

 private:
  uint64_t seed_;
  uint64_t stream_;
  uint64_t offset_ = 0;
};

}  // namespace hone
