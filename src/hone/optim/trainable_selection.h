// Which trainable tensors a step trains (LISA trains a few sampled layers at a time). The others
// are frozen for that step: no gradient is computed for them and they, and their optimizer
// state, stay exactly as they were.
#pragma once

#include <cstdint>
#include <vector>

#include "hone/tensor/tensor.h"

namespace hone {

class TrainableSelection {
 public:
  virtual ~TrainableSelection() = default;
  // The tensors of `all` (the same handles) to train at `step` (from 1). Deterministic in the
  // step and the selection's own seeded state, so a resumed run selects as the original did.
  virtual std::vector<Tensor> select(int64_t step, const std::vector<Tensor>& all) = 0;
};

}  // namespace hone
