#include "hone/tensor/kernels_attention.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "hone/tensor/kernels_matmul.h"
#include "hone/tensor/vector_math.h"

namespace hone {
namespace kernels {

namespace {

// Row strides of the [B, L, H, Dh] layout: consecutive tokens of one head are H * Dh apart.
struct Strides {
  int64_t q_row, kv_row, q_batch, kv_batch;
  explicit Strides(const AttentionDims& d)
      : q_row(d.q_heads * d.head_dim),
        kv_row(d.kv_heads * d.head_dim),
        q_batch(d.q_len * d.q_heads * d.head_dim),
        kv_batch(d.kv_len * d.kv_heads * d.head_dim) {}
};

// Queries are processed in chunks of this many rows: the scratch holds a [chunk, kv_len] block,
// and under causality a chunk only touches the keys its last row can see (about half the work).
constexpr int64_t kQueryChunk = 64;

// Keys [0, result) that some row of the query chunk [row0, row0 + rows) may see.
template <class T>
int64_t visible_keys(const AttentionDims& d, const AttentionMasks<T>& m, int64_t row0, int64_t rows) {
  return m.causal ? std::min(d.kv_len, d.kv_len - d.q_len + row0 + rows) : d.kv_len;
}

// Columns [0, result) of query row i's score row (cols wide) that may hold a visible key: all
// of them, or under causality the keys up to the query's own position. Past it nothing is
// computed or masked: softmax writes zeros there directly.
template <class T>
int64_t row_extent(const AttentionDims& d, const AttentionMasks<T>& m, int64_t i, int64_t cols) {
  if (!m.causal) return cols;
  const int64_t position = d.kv_len - d.q_len + i;  // the query's absolute position among the keys
  return std::clamp<int64_t>(position + 1, 0, cols);
}

// s[rows, cols] = scale * q_rows k[0:cols]^T for query rows [row0, row0 + rows) with the masks
// applied within each row's extent (-inf where a key is hidden); beyond the extent s is left as
// the product, for softmax_rows / the backward to overwrite. q_rows points at row row0 of the head.
template <class T>
void masked_scores(const T* q_rows, const T* k_bh, T* s, int64_t b, int64_t row0, int64_t rows, int64_t cols,
                   const AttentionDims& d, const Strides& st, const AttentionMasks<T>& m, T scale) {
  const int64_t TQ = d.q_len, S = d.kv_len;
  gemm<T>(false, true, rows, cols, d.head_dim, scale, q_rows, st.q_row, k_bh, st.kv_row, T(0), s, cols);
  if (!m.bias && !m.keep && !m.segment_ids && m.window <= 0) return;  // plain causal (or none): nothing to write
  const T hidden = -std::numeric_limits<T>::infinity();
  const int64_t mb = m.per_batch ? b : 0;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t i = row0 + r, extent = row_extent(d, m, i, cols);
    T* row = s + r * cols;
    // Selects rather than branches, so the loops vectorise.
    if (m.bias) {
      const T* bias_row = m.bias + (mb * TQ + i) * S;
      for (int64_t j = 0; j < extent; ++j) row[j] += bias_row[j];
    }
    if (m.keep) {
      const int32_t* keep_row = m.keep + (mb * TQ + i) * S;
      for (int64_t j = 0; j < extent; ++j) row[j] = keep_row[j] != 0 ? row[j] : hidden;
    }
    if (m.segment_ids) {
      const int32_t* seg = m.segment_ids + b * S;
      const int32_t mine = seg[S - TQ + i];
      for (int64_t j = 0; j < extent; ++j) row[j] = seg[j] == mine ? row[j] : hidden;
    }
    if (m.window > 0) {  // keys at or before position - window are out of the window
      const int64_t first_visible = std::clamp<int64_t>(S - TQ + i - m.window + 1, 0, extent);
      std::fill(row, row + first_visible, hidden);
    }
  }
}

// Softmax of each row in place over its extent, zeros past it; lse[i] = log(sum(exp(row))).
// A row with every key hidden becomes zeros with lse = -inf, so its output (and every gradient
// through it) is zero.
template <class T>
void softmax_rows(T* s, T* lse, int64_t row0, int64_t rows, int64_t cols, const AttentionDims& d,
                  const AttentionMasks<T>& m) {
  for (int64_t i = 0; i < rows; ++i) {
    T* row = s + i * cols;
    const int64_t extent = row_extent(d, m, row0 + i, cols);
    std::fill(row + extent, row + cols, T(0));
    const T max = vecmath::max(row, extent);
    if (max == -std::numeric_limits<T>::infinity()) {
      // The max skips NaN, so a row of NaN scores (NaN queries or keys) lands here too: it must
      // come out NaN, not as a row whose keys are all hidden (zeros, a finite but wrong result).
      const bool nan = std::any_of(row, row + extent, [](T v) { return v != v; });
      std::fill(row, row + extent, nan ? std::numeric_limits<T>::quiet_NaN() : T(0));
      lse[i] = nan ? std::numeric_limits<T>::quiet_NaN() : max;
      continue;
    }
    const T sum = vecmath::exp_shifted_sum(row, row, extent, max);
    const T inv = T(1) / sum;
    for (int64_t j = 0; j < extent; ++j) row[j] *= inv;
    lse[i] = max + std::log(sum);
  }
}

// Runs body(block, scratch) for every block. With enough blocks to fill the cores they run in
// parallel (each BLAS call then single-threaded); otherwise in order, leaving BLAS its threads.
// Tiny problems stay serial: waking a thread team costs more than they do.
template <class T, class Body>
void for_each_block(int64_t blocks, size_t scratch_size, int64_t work_per_block, Body body) {
  const bool parallel = blocks > 1 && blocks >= omp_get_max_threads() && blocks * work_per_block >= (1 << 16);
  if (!parallel) {
    std::vector<T> scratch(scratch_size);
    for (int64_t blk = 0; blk < blocks; ++blk) body(blk, scratch.data());
    return;
  }
#pragma omp parallel
  {
    std::vector<T> scratch(scratch_size);
#pragma omp for schedule(dynamic)
    for (int64_t blk = 0; blk < blocks; ++blk) body(blk, scratch.data());
  }
}

}  // namespace

template <class T>
void attention_forward(const T* q, const T* k, const T* v, T* out, T* lse, const AttentionDims& d,
                       const AttentionMasks<T>& masks, T scale) {
  const Strides st(d);
  const int64_t group = d.q_heads / d.kv_heads, TQ = d.q_len, S = d.kv_len, Dh = d.head_dim;
  const int64_t chunk = std::min(kQueryChunk, TQ);
  for_each_block<T>(d.batch * d.q_heads, size_t(chunk * S), TQ * S * Dh, [&](int64_t blk, T* p) {
    const int64_t b = blk / d.q_heads, h = blk % d.q_heads, kvh = h / group;
    const T* k_bh = k + b * st.kv_batch + kvh * Dh;
    const T* v_bh = v + b * st.kv_batch + kvh * Dh;
    for (int64_t row0 = 0; row0 < TQ; row0 += chunk) {
      const int64_t rows = std::min(chunk, TQ - row0), cols = visible_keys(d, masks, row0, rows);
      const int64_t offset = b * st.q_batch + row0 * st.q_row + h * Dh;
      masked_scores(q + offset, k_bh, p, b, row0, rows, cols, d, st, masks, scale);
      softmax_rows(p, lse + blk * TQ + row0, row0, rows, cols, d, masks);
      gemm<T>(false, false, rows, Dh, cols, T(1), p, cols, v_bh, st.kv_row, T(0), out + offset, st.q_row);
    }
  });
}

template <class T>
void attention_backward(const T* q, const T* k, const T* v, const T* lse, const T* dout, T* dq, T* dk, T* dv,
                        const AttentionDims& d, const AttentionMasks<T>& masks, T scale) {
  const Strides st(d);
  const int64_t group = d.q_heads / d.kv_heads, TQ = d.q_len, S = d.kv_len, Dh = d.head_dim;
  const int64_t chunk = std::min(kQueryChunk, TQ);
  // One block per (batch, kv head) so the query heads sharing a kv head accumulate into its dk
  // and dv in a fixed order, without races.
  for_each_block<T>(d.batch * d.kv_heads, size_t(2 * chunk * S), group * TQ * S * Dh, [&](int64_t blk, T* scratch) {
    T* p = scratch;               // probabilities
    T* ds = scratch + chunk * S;  // d(scores), built in place from d(probabilities)
    const int64_t b = blk / d.kv_heads, kvh = blk % d.kv_heads;
    const T* k_bh = k + b * st.kv_batch + kvh * Dh;
    const T* v_bh = v + b * st.kv_batch + kvh * Dh;
    T* dk_bh = dk ? dk + b * st.kv_batch + kvh * Dh : nullptr;
    T* dv_bh = dv ? dv + b * st.kv_batch + kvh * Dh : nullptr;
    for (int64_t j = 0; j < S; ++j) {  // chunks accumulate into dk, dv; keys no query sees stay 0
      if (dk_bh) std::fill(dk_bh + j * st.kv_row, dk_bh + j * st.kv_row + Dh, T(0));
      if (dv_bh) std::fill(dv_bh + j * st.kv_row, dv_bh + j * st.kv_row + Dh, T(0));
    }
    for (int64_t g = 0; g < group; ++g) {
      const int64_t h = kvh * group + g;
      const T* lse_bh = lse + (b * d.q_heads + h) * TQ;
      for (int64_t row0 = 0; row0 < TQ; row0 += chunk) {
        const int64_t rows = std::min(chunk, TQ - row0), cols = visible_keys(d, masks, row0, rows);
        const int64_t offset = b * st.q_batch + row0 * st.q_row + h * Dh;
        const T* q_rows = q + offset;
        const T* do_rows = dout + offset;
        masked_scores(q_rows, k_bh, p, b, row0, rows, cols, d, st, masks, scale);
        for (int64_t r = 0; r < rows; ++r) {  // P from the scores and forward's lse
          T* row = p + r * cols;
          const T row_lse = lse_bh[row0 + r];
          const int64_t extent = row_lse == -std::numeric_limits<T>::infinity() ? 0 : row_extent(d, masks, row0 + r, cols);
          vecmath::exp_shifted(row, row, extent, row_lse);  // exp(-inf) = 0 where hidden
          std::fill(row + extent, row + cols, T(0));
        }
        if (dv_bh) gemm<T>(true, false, cols, Dh, rows, T(1), p, cols, do_rows, st.q_row, T(1), dv_bh, st.kv_row);
        if (!dq && !dk_bh) continue;
        // dP = dO V^T; dS = P * (dP - rowsum(P * dP)), the softmax backward.
        gemm<T>(false, true, rows, cols, Dh, T(1), do_rows, st.q_row, v_bh, st.kv_row, T(0), ds, cols);
        for (int64_t r = 0; r < rows; ++r) {  // P is 0 past the row's extent, so dS is too
          const T* prow = p + r * cols;
          T* drow = ds + r * cols;
          const int64_t extent = row_extent(d, masks, row0 + r, cols);
          const T dot = vecmath::dot(prow, drow, extent);
          for (int64_t j = 0; j < extent; ++j) drow[j] = prow[j] * (drow[j] - dot);
          std::fill(drow + extent, drow + cols, T(0));
        }
        if (dq) gemm<T>(false, false, rows, Dh, cols, scale, ds, cols, k_bh, st.kv_row, T(0), dq + offset, st.q_row);
        if (dk_bh) gemm<T>(true, false, cols, Dh, rows, scale, ds, cols, q_rows, st.q_row, T(1), dk_bh, st.kv_row);
      }
    }
  });
}

#define HONE_INSTANTIATE(T)                                                                                        \
  template void attention_forward<T>(const T*, const T*, const T*, T*, T*, const AttentionDims&,                  \
                                     const AttentionMasks<T>&, T);                                                 \
  template void attention_backward<T>(const T*, const T*, const T*, const T*, const T*, T*, T*, T*,                \
                                      const AttentionDims&, const AttentionMasks<T>&, T);
HONE_INSTANTIATE(float)
HONE_INSTANTIATE(double)
#undef HONE_INSTANTIATE

}  // namespace kernels
}  // namespace hone
