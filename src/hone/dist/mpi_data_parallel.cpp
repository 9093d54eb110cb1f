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
void MpiDataParallel::barrier() { HONE_FAIL("data parallel: built without MPI"); }
void MpiDataParallel::abort(int code) { std::_Exit(code); }

#endif

}  // namespace hone
