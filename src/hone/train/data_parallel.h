// The ranks of a data-parallel run, as the training step and the trainer see them: every rank
// holds the same model and optimizer, trains on its own rows of each global batch, and the
// gradients are summed over the ranks before the update, so every rank steps identically.
// dist/ implements it over MPI; train/ needs no MPI.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hone/tensor/tensor.h"

namespace hone {

class DataParallel {
 public:
  virtual ~DataParallel() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Sums `values` element-wise over the ranks, in place; every rank gets the same sums.
  virtual void sum(std::span<double> values) = 0;
  // Sums the f32 gradients of `tensors` (the same list, in the same order, on every rank) over
  // the ranks, in place. A tensor without a gradient on some ranks counts as zeros there; one
  // without a gradient on every rank stays without (the optimizer then skips it, as in one process).
  virtual void sum_gradients(const std::vector<Tensor>& tensors) = 0;
  // ZeRO-1: the f32 values of tensors[i] from rank owners[i] to every rank, in place.
  virtual void broadcast(const std::vector<Tensor>& tensors, const std::vector<int>& owners) = 0;
  // On rank 0: every rank's `bytes`, by rank; on the others: nothing.
  virtual std::vector<std::string> gather(const std::string& bytes) = 0;
  // Waits until every rank arrives.
  virtual void barrier() = 0;
  // Ends every rank of the job with `code`: an error on one rank must not leave the others
  // waiting in a collective.
  [[noreturn]] virtual void abort(int code) = 0;
};

// The rows [begin, end) of a batch of `rows` rows that `rank` of `ranks` trains on: contiguous
// shares whose sizes differ by at most one (the first ranks take the smaller ones).
struct RowShare {
  int64_t begin = 0, end = 0;
};
RowShare row_share(int64_t rows, int rank, int ranks);

}  // namespace hone
