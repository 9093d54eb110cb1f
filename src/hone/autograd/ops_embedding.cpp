#include "hone/autograd/ops_embedding.h"

#include "hone/autograd/record.h"
#include "hone/tensor/dispatch.h"
#include "hone/tensor/kernels_embedding.h"

namespace hone {

Tensor embedding(const Tensor& weight, const Tensor& ids) {
  HONE_CHECK(weight.defined() && weight.rank() == 2, "embedding: weight must be [vocab, dim], got ",
             (weight.defined() ? describe(weight) : "an undefined tensor"));
  HONE_CHECK(ids.defined() && ids.dtype() == DType::I32, "embedding: ids must be an i32 tensor, got ",
             (ids.defined() ? describe(ids) : "an undefined tensor"));
  HONE_CHECK(ids.rank() <= 3, "embedding: ids ", describe(ids), " have more than 3 dimensions");
  HONE_CHECK(!weight.requires_grad() || is_compute_type(weight.dtype()), "embedding: trainable ", describe(weight),
             " must be f32 or f64");
  const int64_t V = weight.dim(0), D = weight.dim(1), n = ids.numel();
  const DType out_dtype = is_compute_type(weight.dtype()) ? weight.dtype() : DType::F32;
  HONE_CHECK(weight.dtype() != DType::I32, "embedding: weight ", describe(weight), " must hold floating-point values");
  HONE_CHECK(D % dtype_info(weight.dtype()).block_size == 0,
             "embedding: ", describe(weight), " rows are not a whole number of ", dtype_name(weight.dtype()),
             " blocks");
  kernels::check_embedding_ids(ids.data<int32_t>(), n, V);
  Shape out_shape = ids.shape();
  out_shape.push_back(D);
  Tensor out = Tensor::empty(out_shape, out_dtype);
  kernels::embedding_gather(weight.raw(), weight.dtype(), D, ids.data<int32_t>(), n, out.raw(), out_dtype);
  if (!any_requires_grad({weight})) return out;
  const Shape weight_shape = weight.shape();
  return record(out, "embedding", {weight}, [ids, weight_shape, V, D, n](const Tensor& g, const std::vector<bool>&) {
    Tensor dw = Tensor::zeros(weight_shape, g.dtype());
    HONE_DISPATCH_FLOAT(g.dtype(), T, "embedding backward", [&] {
      kernels::embedding_scatter_add<T>(g.data<T>(), ids.data<int32_t>(), n, D, dw.data<T>(), V);
    });
    return std::vector<Tensor>{dw};
  });
}

}  // namespace hone
