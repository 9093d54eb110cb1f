// Cross-entropy kernels over [rows, V] logits with integer labels (templated on float and
// double). Forward keeps only each row's log-sum-exp; backward recomputes the probabilities from
// it, so no [rows, V] probability array ever exists beside the logits. The fused variant also
// computes the logits (hidden @ weight^T) a chunk of rows at a time, so the full [N, V] logits
// never exist either — the form training on large vocabularies needs — and can take the
// gradients from each chunk in the same pass.
#pragma once

#include <cstdint>

namespace hone {
namespace kernels {

// Error unless every label is ignore_index or in [0, V): names the first bad label, its position
// and V. Returns the number of scored (not ignored) rows.
int64_t check_labels(const int32_t* labels, int64_t n, int64_t V, int32_t ignore_index);

// For each row r: lse[r] = logsumexp(logits[r, :]); row_loss[r] = lse[r] - logits[r, labels[r]],
// or 0 (and lse 0) for an ignored row.
template <class T>
void cross_entropy_forward(const T* logits, const int32_t* labels, int64_t rows, int64_t V, int32_t ignore_index,
                           T* lse, T* row_loss);

// dlogits[r, :] = scale * (softmax(logits[r, :]) - onehot(labels[r])), or 0 for an ignored row.
// dlogits may alias logits (the fused op turns its logits chunk into gradients in place).
template <class T>
void cross_entropy_backward(const T* logits, const int32_t* labels, const T* lse, int64_t rows, int64_t V,
                            int32_t ignore_index, T scale, T* dlogits);

// Rows of lm_head logits computed per chunk: 0 picks a chunk whose logits take about 16 MiB.
int64_t cross_entropy_chunk_rows(int64_t requested, int64_t V, int64_t element_bytes);

// Fused lm_head + cross-entropy over hidden [N, D] and weight [V, D]: fills lse[N] and
// row_loss[N] as cross_entropy_forward would for logits = hidden @ weight^T. Ignored rows are
// skipped (no product is computed for them). Labels must already be checked.
template <class T>
void linear_cross_entropy_forward(const T* hidden, const T* weight, const int32_t* labels, int64_t N, int64_t D,
                                  int64_t V, int32_t ignore_index, int64_t chunk_rows, T* lse, T* row_loss);

// The same forward with the gradients taken in the same pass, for a loss gradient of `scale` per
// scored row: each chunk's logits become scale * (softmax - onehot) in place and feed
// dhidden [N, D] (if not null; ignored rows get 0) and dweight [V, D] (if not null; OVERWRITTEN).
// Training needs the logits for both the loss and its gradient, so computing them once here
// instead of again in backward saves one head-sized GEMM per step.
template <class T>
void linear_cross_entropy_forward_backward(const T* hidden, const T* weight, const int32_t* labels, int64_t N,
                                           int64_t D, int64_t V, int32_t ignore_index, int64_t chunk_rows, T scale,
                                           T* lse, T* row_loss, T* dhidden, T* dweight);

}  // namespace kernels
}  // namespace hone
