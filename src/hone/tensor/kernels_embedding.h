// Embedding lookup: gather rows of a [V, D] table by token id, and the scatter-add that is its
// backward. The scatter-add groups positions by id first, so each weight row is summed by one
// thread in position order: repeated ids are exact and the result never depends on threads.
#pragma once

#include <cstdint>

#include "hone/tensor/dtype.h"

namespace hone {
namespace kernels {

// Error unless every id is in [0, V): names the first bad id, its position and V.
void check_embedding_ids(const int32_t* ids, int64_t n, int64_t V);

// out[i, :] = weight[ids[i], :] for a weight of [V, D] in any dtype (bf16, f16 and block types
// are converted row by row; D must then be a multiple of the block size), into out_dtype.
// Ids must already be checked.
void embedding_gather(const void* weight, DType weight_dtype, int64_t D, const int32_t* ids, int64_t n, void* out,
                      DType out_dtype);

// grad_weight[ids[i], :] += grad_out[i, :] for i in [0, n). grad_weight is [V, D].
template <class T>
void embedding_scatter_add(const T* grad_out, const int32_t* ids, int64_t n, int64_t D, T* grad_weight, int64_t V);

}  // namespace kernels
}  // namespace hone
