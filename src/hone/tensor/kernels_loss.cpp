#include "hone/tensor/kernels_loss.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "hone/tensor/kernels_matmul.h"
#include "hone/tensor/kernels_matmul_bf16.h"
#include "hone/tensor/product_precision.h"
#include "hone/tensor/kernels_softmax.h"
#include "hone/tensor/tensor.h"
#include "hone/tensor/vector_math.h"
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
    vecmath::exp_shifted(x, d, V, lse[r]);  // d may alias x: element-wise, so in place is fine
    for (int64_t j = 0; j < V; ++j) d[j] *= scale;
    d[labels[r]] -= scale;
  }
}

int64_t cross_entropy_chunk_rows(int64_t requested, int64_t V, int64_t element_bytes) {
  if (requested > 0) return requested;
  return std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(1, V * element_bytes));
}

namespace {

// One row of a logits chunk (every row scored): its log-sum-exp and loss and, when with_grad,
// the row turned in place into scale * (softmax - onehot). One exp per logit serves both.
template <class T>
void loss_and_grad_row(T* x, int32_t label, int64_t V, bool with_grad, T scale, T& lse, T& loss) {
  const T m = vecmath::max(x, V);
  const T shift = std::isfinite(m) ? m : T(0);  // all -inf: lse -inf as logsumexp_row gives
  const T picked = x[label];
  const T sum = vecmath::exp_shifted_sum(x, with_grad ? x : nullptr, V, shift);
  lse = shift + std::log(sum);
  loss = lse - picked;
  if (!with_grad) return;
  const T weight = scale / sum;
  for (int64_t j = 0; j < V; ++j) x[j] *= weight;
  x[label] -= scale;
}

// The head products that read the weight: logits = h Wᵀ and dh = dlogits W. In bf16 precision
// the weight is rounded to bf16 once per call (`w16`), not once per chunk and product.
template <class T>
struct HeadProducts {
  const T* weight;
  Tensor w16;

  HeadProducts(const T* w, int64_t V, int64_t D) : weight(w) {
    if constexpr (std::is_same_v<T, float>) {
      if (product_precision() == Precision::BF16) {
        w16 = Tensor::empty(Shape{V, D}, DType::BF16);
        round_to_bf16(w, DType::F32, V, D, D, static_cast<uint16_t*>(w16.raw()));
      }
    }
  }
  void logits(int64_t count, int64_t V, int64_t D, const T* h, T* out) const {
    if constexpr (std::is_same_v<T, float>) {
      if (w16.defined()) return gemm_bf16(false, true, count, V, D, 1.0f, h, DType::F32, D, w16.raw(), DType::BF16, D,
                                          0.0f, out, V);
    }
    gemm<T>(false, true, count, V, D, T(1), h, D, weight, D, T(0), out, V);
  }
  void input_gradient(int64_t count, int64_t V, int64_t D, const T* dlogits, T* dh) const {
    if constexpr (std::is_same_v<T, float>) {
      if (w16.defined()) return gemm_bf16(false, false, count, D, V, 1.0f, dlogits, DType::F32, V, w16.raw(),
                                          DType::BF16, D, 0.0f, dh, D);
    }
    gemm<T>(false, false, count, D, V, T(1), dlogits, V, weight, D, T(0), dh, D);
  }
};

// The chunk loop shared by the fused forward and forward-backward. Chunks whose scored rows are
// consecutive (all of them when nothing is ignored) read hidden and write dhidden in place; the
// others go through gathered copies.
template <class T>
void linear_cross_entropy_chunks(const T* hidden, const T* weight, const int32_t* labels, int64_t N, int64_t D,
                                 int64_t V, int32_t ignore_index, int64_t chunk_rows, T scale, T* lse, T* row_loss,
                                 T* dhidden, T* dweight) {
  const bool with_grad = dhidden != nullptr || dweight != nullptr;
  std::fill(lse, lse + N, T(0));
  std::fill(row_loss, row_loss + N, T(0));
  const std::vector<int64_t> rows = scored_rows(labels, N, ignore_index);
  const int64_t scored = int64_t(rows.size());
  if (dhidden && scored < N) std::fill(dhidden, dhidden + N * D, T(0));
  if (dweight && scored == 0) std::fill(dweight, dweight + V * D, T(0));
  const int64_t chunk = std::min(cross_entropy_chunk_rows(chunk_rows, V, sizeof(T)), std::max<int64_t>(scored, 1));
  const bool may_gather = scored < N;
  Tensor logits_chunk = scratch<T>(chunk, V);
  Tensor h_chunk = scratch<T>(may_gather ? chunk : 0, D), dh_chunk = scratch<T>(may_gather && dhidden ? chunk : 0, D);
  T* logits = logits_chunk.data<T>();
  const HeadProducts<T> head(weight, V, D);
  for (int64_t begin = 0; begin < scored; begin += chunk) {
    const int64_t count = std::min(chunk, scored - begin);
    const int64_t* chunk_rows_at = rows.data() + begin;
    const bool consecutive = chunk_rows_at[count - 1] - chunk_rows_at[0] == count - 1;
    const T* h = hidden + chunk_rows_at[0] * D;
    if (!consecutive) {
      gather_rows(hidden, D, chunk_rows_at, count, h_chunk.data<T>());
      h = h_chunk.data<T>();
    }
    head.logits(count, V, D, h, logits);
#pragma omp parallel for schedule(static) if (count * V >= kParallelMin)
    for (int64_t i = 0; i < count; ++i) {
      const int64_t r = chunk_rows_at[i];
      loss_and_grad_row(logits + i * V, labels[r], V, with_grad, scale, lse[r], row_loss[r]);
    }
    if (dhidden) {  // dh[count, D] = dlogits[count, V] @ weight[V, D]
      T* dh = consecutive ? dhidden + chunk_rows_at[0] * D : dh_chunk.data<T>();
      head.input_gradient(count, V, D, logits, dh);
      if (!consecutive)
        for (int64_t i = 0; i < count; ++i)
          std::memcpy(dhidden + chunk_rows_at[i] * D, dh + i * D, sizeof(T) * size_t(D));
    }
    if (dweight)  // dweight[V, D] (+)= dlogits^T @ h; the first chunk overwrites
      gemm<T>(true, false, V, D, count, T(1), logits, V, h, D, begin == 0 ? T(0) : T(1), dweight, D);
  }
}

}  // namespace

template <class T>
void linear_cross_entropy_forward(const T* hidden, const T* weight, const int32_t* labels, int64_t N, int64_t D,
                                  int64_t V, int32_t ignore_index, int64_t chunk_rows, T* lse, T* row_loss) {
  linear_cross_entropy_chunks<T>(hidden, weight, labels, N, D, V, ignore_index, chunk_rows, T(0), lse, row_loss,
                                 nullptr, nullptr);
}

template <class T>
void linear_cross_entropy_forward_backward(const T* hidden, const T* weight, const int32_t* labels, int64_t N,
                                           int64_t D, int64_t V, int32_t ignore_index, int64_t chunk_rows, T scale,
                                           T* lse, T* row_loss, T* dhidden, T* dweight) {
  linear_cross_entropy_chunks<T>(hidden, weight, labels, N, D, V, ignore_index, chunk_rows, scale, lse, row_loss,
                                 dhidden, dweight);
}

#define HONE_INSTANTIATE(T)                                                                                     \
  template void cross_entropy_forward<T>(const T*, const int32_t*, int64_t, int64_t, int32_t, T*, T*);          \
  template void cross_entropy_backward<T>(const T*, const int32_t*, const T*, int64_t, int64_t, int32_t, T, T*); \
  template void linear_cross_entropy_forward<T>(const T*, const T*, const int32_t*, int64_t, int64_t, int64_t,   \
                                                int32_t, int64_t, T*, T*);                                      \
  template void linear_cross_entropy_forward_backward<T>(const T*, const T*, const int32_t*, int64_t, int64_t,    \
                                                         int64_t, int32_t, int64_t, T, T*, T*, T*, T*);
HONE_INSTANTIATE(float)
HONE_INSTANTIATE(double)
#undef HONE_INSTANTIATE

}  // namespace kernels
}  // namespace hone
