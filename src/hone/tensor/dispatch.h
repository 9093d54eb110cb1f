// Runs a templated body for the compute dtype of a tensor: f32 in normal use, f64 when the
// gradient checks run an op in double precision.
#pragma once

#include "hone/tensor/tensor.h"

#define HONE_DISPATCH_FLOAT(dtype, T, what, ...)                                                  \
  [&] {                                                                                          \
    switch (dtype) {                                                                             \
      case ::hone::DType::F32: { using T = float; return __VA_ARGS__(); }                        \
      case ::hone::DType::F64: { using T = double; return __VA_ARGS__(); }                       \
      default: HONE_FAIL(what, ": expected an f32 or f64 tensor, got ", ::hone::dtype_name(dtype)); \
    }                                                                                            \
  }()

namespace hone {

// Error unless every tensor is defined and has the same compute dtype as the first.
void check_same_float_dtype(const char* op, std::initializer_list<Tensor> tensors);
// Error unless a and b have equal shapes.
void check_same_shape(const char* op, const Tensor& a, const Tensor& b);

}  // namespace hone
