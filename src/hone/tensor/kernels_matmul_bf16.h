// Products in bf16 precision (product_precision.h): each operand is rounded to bf16 as stored
// (f32 activations and master weights) or read as it is (bf16 weights), multiplied by oneDNN's
// bf16 kernels with f32 accumulation, and the result written in f32 — PyTorch autocast's linear,
// except that the output is not rounded to bf16 again.
#pragma once

#include <cstdint>

#include "hone/tensor/dtype.h"

namespace hone {
namespace kernels {

// C[M,N] = alpha op(A) op(B) + beta C, row-major with row strides lda/ldb/ldc as stored. A and
// B may be f32, bf16 or any dtype that converts to f32 (converted whole to bf16 first).
void gemm_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const void* A, DType a_dtype,
               int64_t lda, const void* B, DType b_dtype, int64_t ldb, float beta, float* C, int64_t ldc);

// `batch` products whose operands start stride_* elements apart (0: one shared matrix).
void gemm_bf16_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                       int64_t lda, int64_t stride_a, const float* B, int64_t ldb, int64_t stride_b, float beta,
                       float* C, int64_t ldc, int64_t stride_c, int64_t batch);

// dst[r * cols + c] = bf16(src[r * ld + c]) for a matrix of `rows` rows in src_dtype (round to
// nearest even). Threads split the rows of large matrices.
void round_to_bf16(const void* src, DType src_dtype, int64_t rows, int64_t cols, int64_t ld, uint16_t* dst);

}  // namespace kernels
}  // namespace hone
