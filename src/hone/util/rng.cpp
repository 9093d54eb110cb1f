#include "hone/util/rng.h"

#include <cmath>

namespace hone {

std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t(kMul0) * c[0];
    const uint64_t p1 = uint64_t(kMul1) * c[2];
    c = {uint32_t(p1 >> 32) ^ c[1] ^ k[0], uint32_t(p1), uint32_t(p0 >> 32) ^ c[3] ^ k[1], uint32_t(p0)};
    k[0] += kWeyl0;
    k[1] += kWeyl1;
  }
  return c;
}

uint32_t Rng::bits(uint64_t i) const {
  // Four outputs per block: position i is lane i%4 of block i/4.
  const uint64_t block = i >> 2;
  const auto out = philox4x32({uint32_t(block), uint32_t(block >> 32), uint32_t(stream_), uint32_t(stream_ >> 32)},
                              {uint32_t(seed_), uint32_t(seed_ >> 32)});
  return out[i & 3];
}

float Rng::uniform(uint64_t i) const { return float(bits(i) >> 8) * (1.0f / 16777216.0f); }

float Rng::normal(uint64_t i) const {
  // u1 in (0, 1] so the log is finite.
  const double u1 = (double(bits(2 * i) >> 8) + 1.0) / 16777216.0;
  const double u2 = double(bits(2 * i + 1) >> 8) / 16777216.0;
  return float(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
}

}  // namespace hone
