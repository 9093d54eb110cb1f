#include "hone/tokenizer/merge_table.h"

#include <bit>

namespace hone {

void MergeTable::reserve(size_t count) {
  // At most half full, so probe runs stay short.
  const size_t wanted = std::bit_ceil(count * 2 + 16);
  if (wanted <= slots_.size()) return;
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(wanted, Slot{});
  mask_ = wanted - 1;
  size_ = 0;
  for (const Slot& slot : old) {
    if (slot.key != kEmpty) insert(int32_t(slot.key >> 32), int32_t(uint32_t(slot.key)), slot.rule);
  }
}

void MergeTable::grow() { reserve(slots_.empty() ? 16 : slots_.size()); }

void MergeTable::insert(int32_t left, int32_t right, MergeRule rule) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const uint64_t key = pack(left, right);
  for (size_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.key == key) {  // a repeated pair: the later rank wins, as in the crate's HashMap
      slot.rule = rule;
      return;
    }
    if (slot.key == kEmpty) {
      slot.key = key;
      slot.rule = rule;
      ++size_;
      return;
    }
  }
}

}  // namespace hone
