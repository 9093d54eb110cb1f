#include "hone/tensor/kernels_loss.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "hone/tensor/kernels_matmul.h"
#include "hone/tensor/kernels_softmax.h"
#include "hone/tensor/tensor.h"
#include "hone/util/error.h"

namespace hone {
namespace kernels {

namespace {
constexpr int64_t kParallelMin = 1 << 14;
constexpr int64_t kChunkBytes = int64_t(16) << 20;

// The scored rows, in order: the fused op computes products only for these.
std::vector<int64_t> scored_rows(const int32_t* labels, int64_t n, int32_t ignore_index) {
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < n; ++i)
    if (labels[i] != ignore_index) rows.push_back(i);
  return rows;
}

// Chunk scratch comes from the tensor allocator so its bytes show in memory_stats() like any
// activation's.
template <class T>
Tensor scratch(int64_t rows, int64_t cols) {
  return Tensor::empty(Shape{rows, cols}, std::is_same_v<T, float> ? DType::F32 : DType::F64);
}

// Copies the hidden rows listed in rows[0..count) into a contiguous [count, D] block.
template <class T>
void gather_rows(const T* hidden, int64_t D, const int64_t* rows, int64_t count, T* out) {
  for (int64_t i = 0; i < count; ++i) std::memcpy(out + i * D, hidden + rows[i] * D, sizeof(T) * size_t(D));
}
}  // namespace

int64_t check_labels(const int32_t* labels, int64_t n, int64_t V, int32_t ignore_index) {
  int64_t scored = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (labels[i] == ignore_index) continue;
    HONE_CHECK(labels[i] >= 0 && labels[i] < V, "cross_entropy: label ", labels[i], " at position ", i,
               " is out of range for ", V, " classes (expected 0 <= label < ", V, ", or ignore_index ",
               ignore_index, ")");
    ++scored;
  }
  return scored;
}

template <class T>
void cross_entropy_forward(const T* logits, const int32_t* labels, int64_t rows, int64_t V, int32_t ignore_index,
                           T* lse, T* row_loss) {
#pragma omp parallel for schedule(static) if (rows * V >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    if (labels[r] == ignore_index) {
      lse[r] = row_loss[r] = T(0);
      continue;
    }
    const T* x = logits + r * V;
    lse[r] = logsumexp_row(x, V);
    row_loss[r] = lse[r] - x[labels[r]];
  }
}

template <class T>
void cross_entropy_backward(const T* logits, const int32_t* labels, const T* lse, int64_t rows, int64_t V,
                            int32_t ignore_index, T scale, T* dlogits) {
#pragma omp parallel for schedule(static) if (rows * V >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    T* d = dlogits + r * V;
    if (labels[r] == ignore_index) {
      std::fill(d, d + V, T(0));
      continue;
    }
    const T* x = logits + r * V;
    const T shift = lse[r];
    for (int64_t j = 0; j < V; ++j) d[j] = scale * std::exp(x[j] - shift);
    d[labels[r]] -= scale;
  }
}

int64_t cross_entropy_chunk_rows(int64_t requested, int64_t V, int64_t element_bytes) {
  if (requested > 0) return requested;
  return std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(1, V * element_bytes));
}

template <class T>
void linear_cross_entropy_forward(const T* hidden, const T* weight, const int32_t* labels, int64_t N, int64_t D,
                                  int64_t V, int32_t ignore_index, int64_t chunk_rows, T* lse, T* row_loss) {
  std::fill(lse, lse + N, T(0));
  std::fill(row_loss, row_loss + N, T(0));
  const std::vector<int64_t> rows = scored_rows(labels, N, ignore_index);
  const int64_t scored = int64_t(rows.size());
  const int64_t chunk = std::min(cross_entropy_chunk_rows(chunk_rows, V, sizeof(T)), std::max<int64_t>(scored, 1));
  Tensor h_chunk = scratch<T>(chunk, D), logits_chunk = scratch<T>(chunk, V);
  T* h = h_chunk.data<T>();
  T* logits = logits_chunk.data<T>();
  std::vector<int32_t> chunk_labels(static_cast<size_t>(chunk));
  std::vector<T> chunk_lse(static_cast<size_t>(chunk)), chunk_loss(static_cast<size_t>(chunk));
  for (int64_t begin = 0; begin < scored; begin += chunk) {
    const int64_t count = std::min(chunk, scored - begin);
    gather_rows(hidden, D, rows.data() + begin, count, h);
    gemm<T>(false, true, count, V, D, T(1), h, D, weight, D, T(0), logits, V);
    for (int64_t i = 0; i < count; ++i) chunk_labels[size_t(i)] = labels[rows[size_t(begin + i)]];
    cross_entropy_forward<T>(logits, chunk_labels.data(), count, V, ignore_index, chunk_lse.data(),
                             chunk_loss.data());
    for (int64_t i = 0; i < count; ++i) {
      lse[rows[size_t(begin + i)]] = chunk_lse[size_t(i)];
      row_loss[rows[size_t(begin + i)]] = chunk_loss[size_t(i)];
    }
  }
}

template <class T>
void linear_cross_entropy_backward(const T* hidden, const T* weight, const int32_t* labels, const T* lse, int64_t N,
                                   int64_t D, int64_t V, int32_t ignore_index, T scale, int64_t chunk_rows, T* dhidden,
                                   T* dweight) {
  if (dhidden) std::fill(dhidden, dhidden + N * D, T(0));
  const std::vector<int64_t> rows = scored_rows(labels, N, ignore_index);
  const int64_t scored = int64_t(rows.size());
  const int64_t chunk = std::min(cross_entropy_chunk_rows(chunk_rows, V, sizeof(T)), std::max<int64_t>(scored, 1));
  Tensor h_chunk = scratch<T>(chunk, D), logits_chunk = scratch<T>(chunk, V);
  Tensor dh_chunk = scratch<T>(dhidden ? chunk : 0, D);
  T* h = h_chunk.data<T>();
  T* logits = logits_chunk.data<T>();
  T* dh = dh_chunk.data<T>();
  std::vector<int32_t> chunk_labels(static_cast<size_t>(chunk));
  std::vector<T> chunk_lse(static_cast<size_t>(chunk));
  for (int64_t begin = 0; begin < scored; begin += chunk) {
    const int64_t count = std::min(chunk, scored - begin);
    gather_rows(hidden, D, rows.data() + begin, count, h);
    gemm<T>(false, true, count, V, D, T(1), h, D, weight, D, T(0), logits, V);
    for (int64_t i = 0; i < count; ++i) {
      chunk_labels[size_t(i)] = labels[rows[size_t(begin + i)]];
      chunk_lse[size_t(i)] = lse[rows[size_t(begin + i)]];
    }
    // The logits chunk becomes its own gradient, so the chunk needs no second buffer.
    cross_entropy_backward<T>(logits, chunk_labels.data(), chunk_lse.data(), count, V, ignore_index, scale,
                              logits);
    if (dhidden) {  // dh[count, D] = dlogits[count, V] @ weight[V, D]
      gemm<T>(false, false, count, D, V, T(1), logits, V, weight, D, T(0), dh, D);
      for (int64_t i = 0; i < count; ++i)
        std::memcpy(dhidden + rows[size_t(begin + i)] * D, dh + i * D, sizeof(T) * size_t(D));
    }
    if (dweight)  // dweight[V, D] += dlogits^T @ h
      gemm<T>(true, false, V, D, count, T(1), logits, V, h, D, T(1), dweight, D);
  }
}

#define HONE_INSTANTIATE(T)                                                                                     \
  template void cross_entropy_forward<T>(const T*, const int32_t*, int64_t, int64_t, int32_t, T*, T*);          \
  template void cross_entropy_backward<T>(const T*, const int32_t*, const T*, int64_t, int64_t, int32_t, T, T*); \
  template void linear_cross_entropy_forward<T>(const T*, const T*, const int32_t*, int64_t, int64_t, int64_t,   \
                                                int32_t, int64_t, T*, T*);                                      \
  template void linear_cross_entropy_backward<T>(const T*, const T*, const int32_t*, const T*, int64_t, int64_t, \
                                                 int64_t, int32_t, T, int64_t, T*, T*);
HONE_INSTANTIATE(float)
HONE_INSTANTIATE(double)
#undef HONE_INSTANTIATE

}  // namespace kernels
}  // namespace hone
