#include "hone/dist/mpi_data_parallel.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "hone/autograd/backward.h"
#include "hone/util/error.h"

#if HONE_MPI
// The C API only: mpi.h would otherwise pull in the deprecated C++ bindings, which need their
// own library.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace hone {

#if HONE_MPI

namespace {

// MPI's errors are fatal by default (the job ends with MPI's message); this names the call for
// the ones that return.
void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  HONE_FAIL("MPI: ", call, " failed: ", std::string(text, size_t(length)));
}

}  // namespace

bool mpi_available() { return true; }

MpiDataParallel::MpiDataParallel() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    int provided = 0;
    // Only the thread that drives training calls MPI; OpenMP threads never do.
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiDataParallel::~MpiDataParallel() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (!finalised) MPI_Finalize();
}

void MpiDataParallel::sum(std::span<double> values) {
  check(MPI_Allreduce(MPI_IN_PLACE, values.data(), int(values.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD),
        "MPI_Allreduce");
}

void MpiDataParallel::sum_gradients(const std::vector<Tensor>& tensors) {
  // Which tensors hold a gradient on some rank: those take part (as zeros where missing).
  std::vector<int> present(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) present[i] = tensors[i].grad().defined() ? 1 : 0;
  check(MPI_Allreduce(MPI_IN_PLACE, present.data(), int(present.size()), MPI_INT, MPI_MAX, MPI_COMM_WORLD),
        "MPI_Allreduce");
  std::vector<Tensor> grads;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!present[i]) continue;
    if (!tensors[i].grad().defined()) backward(tensors[i], Tensor::zeros(tensors[i].shape()));
    const Tensor g = tensors[i].grad();
    HONE_CHECK(g.dtype() == DType::F32, "data parallel: the gradient of ", describe(tensors[i]), " is not f32");
    grads.push_back(g);
  }

  // Buckets of whole tensors (a tensor larger than a bucket is a bucket of its own), packed into
  // one buffer each and all-reduced while the next is packed.
  struct Bucket {
    size_t first = 0, last = 0;  // grads[first, last)
    std::vector<float> data;
    MPI_Request request = MPI_REQUEST_NULL;
  };
  std::vector<Bucket> buckets;
  for (size_t i = 0; i < grads.size();) {
    Bucket b;
    b.first = i;
    int64_t floats = 0;
    while (i < grads.size() && (i == b.first || floats + grads[i].numel() <= kBucketFloats)) floats += grads[i++].numel();
    b.last = i;
    buckets.push_back(std::move(b));
  }
  for (Bucket& b : buckets) {
    for (size_t i = b.first; i < b.last; ++i) {
      const float* g = grads[i].data<float>();
      b.data.insert(b.data.end(), g, g + grads[i].numel());
    }
    HONE_CHECK(b.data.size() <= size_t(std::numeric_limits<int>::max()), "data parallel: a gradient of ",
               b.data.size(), " floats is too large for one MPI message");
    check(MPI_Iallreduce(MPI_IN_PLACE, b.data.data(), int(b.data.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &b.request),
          "MPI_Iallreduce");
  }
  for (Bucket& b : buckets) {
    check(MPI_Wait(&b.request, MPI_STATUS_IGNORE), "MPI_Wait");
    const float* at = b.data.data();
    for (size_t i = b.first; i < b.last; ++i) {
      std::memcpy(grads[i].data<float>(), at, size_t(grads[i].numel()) * sizeof(float));
      at += grads[i].numel();
    }
  }
}

void MpiDataParallel::broadcast(const std::vector<Tensor>& tensors, const std::vector<int>& owners) {
  HONE_CHECK(tensors.size() == owners.size(), "data parallel: ", tensors.size(), " tensors, ", owners.size(), " owners");
  std::vector<MPI_Request> requests(tensors.size(), MPI_REQUEST_NULL);
  for (size_t i = 0; i < tensors.size(); ++i) {
    HONE_CHECK(tensors[i].dtype() == DType::F32 && tensors[i].numel() <= std::numeric_limits<int>::max(),
               "data parallel: cannot broadcast ", describe(tensors[i]));
    check(MPI_Ibcast(tensors[i].data<float>(), int(tensors[i].numel()), MPI_FLOAT, owners[i], MPI_COMM_WORLD,
                     &requests[i]),
          "MPI_Ibcast");
  }
  check(MPI_Waitall(int(requests.size()), requests.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
}

std::vector<std::string> MpiDataParallel::gather(const std::string& bytes) {
  // Sizes first (as 64-bit counts), then the bytes in pieces MPI's int counts can carry.
  const int64_t mine = int64_t(bytes.size());
  std::vector<int64_t> sizes(size_t(size_), 0);
  check(MPI_Gather(&mine, 1, MPI_INT64_T, sizes.data(), 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::vector<std::string> out;
  if (rank_ == 0) {
    out.resize(size_t(size_));
    out[0] = bytes;
    for (int r = 1; r < size_; ++r) {
      out[size_t(r)].resize(size_t(sizes[size_t(r)]));
      for (int64_t at = 0; at < sizes[size_t(r)]; at += kBucketFloats * 4) {
        const int n = int(std::min<int64_t>(kBucketFloats * 4, sizes[size_t(r)] - at));
        check(MPI_Recv(out[size_t(r)].data() + at, n, MPI_BYTE, r, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
      }
    }
  } else {
    for (int64_t at = 0; at < mine; at += kBucketFloats * 4) {
      const int n = int(std::min<int64_t>(kBucketFloats * 4, mine - at));
      check(MPI_Send(bytes.data() + at, n, MPI_BYTE, 0, 0, MPI_COMM_WORLD), "MPI_Send");
    }
  }
  return out;
}

void MpiDataParallel::barrier() { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

void MpiDataParallel::abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

#else  // built without MPI: nothing to join

bool mpi_available() { return false; }

MpiDataParallel::MpiDataParallel() { HONE_FAIL("data parallel: this hone was built without MPI (HONE_MPI)"); }
MpiDataParallel::~MpiDataParallel() = default;
void MpiDataParallel::sum(std::span<double>) { HONE_FAIL("data parallel: built without MPI"); }
void MpiDataParallel::sum_gradients(const std::vector<Tensor>&) { HONE_FAIL("data parallel: built without MPI"); }
void MpiDataParallel::broadcast(const std::vector<Tensor>&, const std::vector<int>&) {
  HONE_FAIL("data parallel: built without MPI");
}
std::vector<std::string> MpiDataParallel::gather(const std::string&) { HONE_FAIL("data parallel: built without MPI"); }
void MpiDataParallel::barrier() { HONE_FAIL("data parallel: built without MPI"); }
void MpiDataParallel::abort(int code) { std::_Exit(code); }

#endif

}  // namespace hone
