#include "hone/tensor/dispatch.h"

namespace hone {

void check_same_float_dtype(const char* op, std::initializer_list<Tensor> tensors) {
  const Tensor* first = nullptr;
  for (const Tensor& t : tensors) {
    HONE_CHECK(t.defined(), op, ": undefined tensor argument");
    HONE_CHECK(is_compute_type(t.dtype()), op, ": ", describe(t), " must be f32 or f64");
    if (!first) first = &t;
    HONE_CHECK(t.dtype() == first->dtype(), op, ": mixed dtypes ", describe(*first), " and ", describe(t));
  }
}

void check_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  HONE_CHECK(a.shape() == b.shape(), op, ": shapes differ: ", describe(a), " vs ", describe(b));
}

}  // namespace hone
