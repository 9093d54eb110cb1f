#include "hone/tensor/kernels_attention.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "hone/tensor/kernels_matmul.h"

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

// s[q_len, kv_len] = scale * q_bh k_bh^T with every mask applied (-inf where a key is hidden).
template <class T>
void masked_scores(const T* q_bh, const T* k_bh, T* s, int64_t b, const AttentionDims& d, const Strides& st,
                   const AttentionMasks<T>& m, T scale) {
  const int64_t TQ = d.q_len, S = d.kv_len;
  gemm<T>(false, true, TQ, S, d.head_dim, scale, q_bh, st.q_row, k_bh, st.kv_row, T(0), s, S);
  const T hidden = -std::numeric_limits<T>::infinity();
  const int64_t mb = m.per_batch ? b : 0;
  for (int64_t i = 0; i < TQ; ++i) {
    T* row = s + i * S;
    const int64_t position = S - TQ + i;  // the query's absolute position among the keys
    if (m.bias) {
      const T* bias_row = m.bias + (mb * TQ + i) * S;
      for (int64_t j = 0; j < S; ++j) row[j] += bias_row[j];
    }
    if (m.keep) {
      const int32_t* keep_row = m.keep + (mb * TQ + i) * S;
      for (int64_t j = 0; j < S; ++j)
        if (!keep_row[j]) row[j] = hidden;
    }
    if (m.segment_ids) {
      const int32_t* seg = m.segment_ids + b * S;
      const int32_t mine = seg[position];
      for (int64_t j = 0; j < S; ++j)
        if (seg[j] != mine) row[j] = hidden;
    }
    if (m.causal)
      for (int64_t j = std::max<int64_t>(position + 1, 0); j < S; ++j) row[j] = hidden;
  }
}

// Softmax of each row in place; lse[i] = log(sum(exp(row))). A row with every key hidden
// becomes zeros with lse = -inf, so its output (and every gradient through it) is zero.
template <class T>
void softmax_rows(T* s, T* lse, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) {
    T* row = s + i * cols;
    T max = -std::numeric_limits<T>::infinity();
    for (int64_t j = 0; j < cols; ++j) max = std::max(max, row[j]);
    if (max == -std::numeric_limits<T>::infinity()) {
      std::fill(row, row + cols, T(0));
      lse[i] = max;
      continue;
    }
    T sum = 0;
    for (int64_t j = 0; j < cols; ++j) {
      row[j] = std::exp(row[j] - max);
      sum += row[j];
    }
    const T inv = T(1) / sum;
    for (int64_t j = 0; j < cols; ++j) row[j] *= inv;
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
  for_each_block<T>(d.batch * d.q_heads, size_t(TQ * S), TQ * S * Dh, [&](int64_t blk, T* p) {
    const int64_t b = blk / d.q_heads, h = blk % d.q_heads, kvh = h / group;
    const T* q_bh = q + b * st.q_batch + h * Dh;
    const T* k_bh = k + b * st.kv_batch + kvh * Dh;
    const T* v_bh = v + b * st.kv_batch + kvh * Dh;
    masked_scores(q_bh, k_bh, p, b, d, st, masks, scale);
    softmax_rows(p, lse + blk * TQ, TQ, S);
    gemm<T>(false, false, TQ, Dh, S, T(1), p, S, v_bh, st.kv_row, T(0), out + b * st.q_batch + h * Dh, st.q_row);
  });
}

template <class T>
void attention_backward(const T* q, const T* k, const T* v, const T* lse, const T* dout, T* dq, T* dk, T* dv,
                        const AttentionDims& d, const AttentionMasks<T>& masks, T scale) {
  const Strides st(d);
  const int64_t group = d.q_heads / d.kv_heads, TQ = d.q_len, S = d.kv_len, Dh = d.head_dim;
  // One block per (batch, kv head) so the query heads sharing a kv head accumulate into its dk
  // and dv in a fixed order, without races.
  for_each_block<T>(d.batch * d.kv_heads, size_t(2 * TQ * S), group * TQ * S * Dh, [&](int64_t blk, T* scratch) {
    T* p = scratch;             // probabilities
    T* ds = scratch + TQ * S;   // d(scores), built in place from d(probabilities)
    const int64_t b = blk / d.kv_heads, kvh = blk % d.kv_heads;
    const T* k_bh = k + b * st.kv_batch + kvh * Dh;
    const T* v_bh = v + b * st.kv_batch + kvh * Dh;
    T* dk_bh = dk ? dk + b * st.kv_batch + kvh * Dh : nullptr;
    T* dv_bh = dv ? dv + b * st.kv_batch + kvh * Dh : nullptr;
    for (int64_t g = 0; g < group; ++g) {
      const int64_t h = kvh * group + g;
      const T* q_bh = q + b * st.q_batch + h * Dh;
      const T* do_bh = dout + b * st.q_batch + h * Dh;
      const T* lse_bh = lse + (b * d.q_heads + h) * TQ;
      const T beta = g == 0 ? T(0) : T(1);
      masked_scores(q_bh, k_bh, p, b, d, st, masks, scale);
      for (int64_t i = 0; i < TQ; ++i) {
        T* row = p + i * S;
        if (lse_bh[i] == -std::numeric_limits<T>::infinity()) {
          std::fill(row, row + S, T(0));
          continue;
        }
        for (int64_t j = 0; j < S; ++j) row[j] = std::exp(row[j] - lse_bh[i]);  // exp(-inf) = 0 where hidden
      }
      if (dv_bh) gemm<T>(true, false, S, Dh, TQ, T(1), p, S, do_bh, st.q_row, beta, dv_bh, st.kv_row);
      if (!dq && !dk_bh) continue;
      // dP = dO V^T; dS = P * (dP - rowsum(P * dP)), the softmax backward.
      gemm<T>(false, true, TQ, S, Dh, T(1), do_bh, st.q_row, v_bh, st.kv_row, T(0), ds, S);
      for (int64_t i = 0; i < TQ; ++i) {
        const T* prow = p + i * S;
        T* drow = ds + i * S;
        T dot = 0;
        for (int64_t j = 0; j < S; ++j) dot += prow[j] * drow[j];
        for (int64_t j = 0; j < S; ++j) drow[j] = prow[j] * (drow[j] - dot);
      }
      if (dq) gemm<T>(false, false, TQ, Dh, S, scale, ds, S, k_bh, st.kv_row, T(0), dq + b * st.q_batch + h * Dh, st.q_row);
      if (dk_bh) gemm<T>(true, false, S, Dh, TQ, scale, ds, S, q_bh, st.q_row, beta, dk_bh, st.kv_row);
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
