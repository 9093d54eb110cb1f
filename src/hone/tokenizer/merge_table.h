// The BPE merge table: (left id, right id) → (rank, merged id), looked up once per candidate
// pair in the merge loop — the hottest lookup in encoding. An open-addressing table over packed
// 64-bit keys keeps each lookup to one or two cache lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hone {

struct MergeRule {
  int32_t rank;
  int32_t merged_id;
};

class MergeTable {
 public:
  void reserve(size_t count);
  // A pair inserted twice keeps the later rule (what building a map from the merges list gives).
  void insert(int32_t left, int32_t right, MergeRule rule);
  const MergeRule* find(int32_t left, int32_t right) const {
    if (slots_.empty()) return nullptr;
    const uint64_t key = pack(left, right);
    for (size_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.key == key) return &slot.rule;
      if (slot.key == kEmpty) return nullptr;
    }
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t(0);
  struct Slot {
    uint64_t key = kEmpty;
    MergeRule rule{};
  };
  static uint64_t pack(int32_t left, int32_t right) { return (uint64_t(uint32_t(left)) << 32) | uint32_t(right); }
  static size_t hash(uint64_t key) { return size_t((key * 0x9E3779B97F4A7C15ull) >> 20); }
  void grow();

  std::vector<Slot> slots_;
  size_t mask_ = 0, size_ = 0;
};

}  // namespace hone
