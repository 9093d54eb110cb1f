// DataParallel over MPI_COMM_WORLD. Gradients travel as f32 in buckets of a few MB, each
// all-reduced with a non-blocking collective as soon as it is packed, so packing the next bucket
// overlaps the transfer of the previous one. Only the tensors the step trains are communicated
// (an adapter's weights, never the frozen base).
#pragma once

#include <cstdint>

#include "hone/train/data_parallel.h"

namespace hone {

// Whether this hone was built with MPI (HONE_MPI).
bool mpi_available();

class MpiDataParallel final : public DataParallel {
 public:
  // Initialises MPI (once per process); Error when hone was built without it.
  MpiDataParallel();
  ~MpiDataParallel() override;  // finalises MPI
  MpiDataParallel(const MpiDataParallel&) = delete;
  MpiDataParallel& operator=(const MpiDataParallel&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(std::span<double> values) override;
  void sum_gradients(const std::vector<Tensor>& tensors) override;
  void broadcast(const std::vector<Tensor>& tensors, const std::vector<int>& owners) override;
  std::vector<std::string> gather(const std::string& bytes) override;
  void barrier() override;
  [[noreturn]] void abort(int code) override;

  // Floats per all-reduced bucket.
  static constexpr int64_t kBucketFloats = int64_t(1) << 20;

 private:
  int rank_ = 0, size_ = 1;
};

}  // namespace hone
