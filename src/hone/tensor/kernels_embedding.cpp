#include "hone/tensor/kernels_embedding.h"

#include <vector>

#include "hone/tensor/convert.h"
#include "hone/util/error.h"

namespace hone {
namespace kernels {

namespace {
constexpr int64_t kParallelMin = 1 << 14;
}  // namespace

void check_embedding_ids(const int32_t* ids, int64_t n, int64_t V) {
  for (int64_t i = 0; i < n; ++i)
    HONE_CHECK(ids[i] >= 0 && ids[i] < V, "embedding: token id ", ids[i], " at position ", i,
               " is out of range for a vocabulary of ", V, " (expected 0 <= id < ", V, ")");
}

void embedding_gather(const void* weight, DType weight_dtype, int64_t D, const int32_t* ids, int64_t n, void* out,
                      DType out_dtype) {
  const size_t row_in = dtype_bytes(weight_dtype, D);
  const size_t row_out = dtype_bytes(out_dtype, D);
  const char* w = static_cast<const char*>(weight);
  char* o = static_cast<char*>(out);
#pragma omp parallel for schedule(static) if (n * D >= kParallelMin)
  for (int64_t i = 0; i < n; ++i)
    convert_elements(w + size_t(ids[i]) * row_in, weight_dtype, o + size_t(i) * row_out, out_dtype, D);
}

template <class T>
void embedding_scatter_add(const T* grad_out, const int32_t* ids, int64_t n, int64_t D, T* grad_weight, int64_t V) {
  // Counting sort of positions by id (stable, so each id's positions stay in order).
  std::vector<int64_t> start(size_t(V) + 1, 0);
  for (int64_t i = 0; i < n; ++i) ++start[size_t(ids[i]) + 1];
  for (int64_t v = 0; v < V; ++v) start[size_t(v) + 1] += start[size_t(v)];
  std::vector<int64_t> positions(static_cast<size_t>(n));
  std::vector<int64_t> fill(start.begin(), start.end() - 1);
  for (int64_t i = 0; i < n; ++i) positions[size_t(fill[size_t(ids[i])]++)] = i;
  std::vector<int32_t> present;
  for (int64_t v = 0; v < V; ++v)
    if (start[size_t(v) + 1] > start[size_t(v)]) present.push_back(int32_t(v));

  const int64_t distinct = int64_t(present.size());
#pragma omp parallel for schedule(dynamic, 16) if (n * D >= kParallelMin)
  for (int64_t k = 0; k < distinct; ++k) {
    const int32_t v = present[size_t(k)];
    T* dst = grad_weight + int64_t(v) * D;
    for (int64_t p = start[size_t(v)]; p < start[size_t(v) + 1]; ++p) {
      const T* src = grad_out + positions[size_t(p)] * D;
      for (int64_t j = 0; j < D; ++j) dst[j] += src[j];
    }
  }
}

template void embedding_scatter_add<float>(const float*, const int32_t*, int64_t, int64_t, float*, int64_t);
template void embedding_scatter_add<double>(const double*, const int32_t*, int64_t, int64_t, double*, int64_t);

}  // namespace kernels
}  // namespace hone
