#include "hone/autograd/ops_loss.h"

#include "hone/autograd/record.h"
#include "hone/tensor/dispatch.h"
#include "hone/tensor/kernels_elementwise.h"
#include "hone/tensor/kernels_loss.h"
#include "hone/tensor/kernels_reduce.h"

namespace hone {

namespace {

void check_labels_tensor(const char* op, const Tensor& labels, const Tensor& scores) {
  HONE_CHECK(labels.defined() && labels.dtype() == DType::I32, op, ": labels must be an i32 tensor, got ",
             (labels.defined() ? describe(labels) : "an undefined tensor"));
  bool match = labels.rank() == scores.rank() - 1;
  for (int i = 0; match && i < labels.rank(); ++i) match = labels.dim(i) == scores.dim(i);
  HONE_CHECK(match, op, ": labels ", describe(labels), " do not match ", describe(scores),
             " (labels must have every dimension but the last)");
}

// The loss gradient per scored token: d(loss)/d(row loss).
double row_scale(double grad_output, LossReduction reduction, int64_t scored) {
  if (reduction == LossReduction::Sum) return grad_output;
  return scored == 0 ? 0.0 : grad_output / double(scored);
}

// Sum (or mean over scored rows) of the per-row losses, as a [1] tensor.
template <class T>
void reduce_rows(const Tensor& row_loss, LossReduction reduction, int64_t scored, Tensor& out) {
  const T total = kernels::sum_all<T>(row_loss.data<T>(), row_loss.numel());
  out.data<T>()[0] = T(row_scale(double(total), reduction, scored));
}

Tensor widened(const Tensor& w, DType dtype) { return w.dtype() == dtype ? w : w.to(dtype); }

}  // namespace

int64_t count_scored_tokens(const Tensor& labels, int32_t ignore_index) {
  HONE_CHECK(labels.defined() && labels.dtype() == DType::I32, "count_scored_tokens: labels must be an i32 tensor, got ",
             (labels.defined() ? describe(labels) : "an undefined tensor"));
  const int32_t* l = labels.data<int32_t>();
  int64_t scored = 0;
  for (int64_t i = 0; i < labels.numel(); ++i) scored += l[i] != ignore_index;
  return scored;
}

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, const CrossEntropyOptions& options) {
  check_same_float_dtype("cross_entropy", {logits});
  HONE_CHECK(logits.rank() >= 1, "cross_entropy: ", describe(logits), " has no class dimension");
  check_labels_tensor("cross_entropy", labels, logits);
  const int64_t rows = logits.shape().rows(), V = logits.shape().cols();
  const int32_t ignore = options.ignore_index;
  const int64_t scored = kernels::check_labels(labels.data<int32_t>(), rows, V, ignore);
  Tensor lse = Tensor::empty(Shape{rows}, logits.dtype());
  Tensor row_loss = Tensor::empty(Shape{rows}, logits.dtype());
  Tensor out = Tensor::empty(Shape{1}, logits.dtype());
  HONE_DISPATCH_FLOAT(logits.dtype(), T, "cross_entropy", [&] {
    kernels::cross_entropy_forward<T>(logits.data<T>(), labels.data<int32_t>(), rows, V, ignore, lse.data<T>(),
                                      row_loss.data<T>());
    reduce_rows<T>(row_loss, options.reduction, scored, out);
  });
  if (!any_requires_grad({logits})) return out;
  const Tensor x = logits.detach();
  const LossReduction reduction = options.reduction;
  return record(out, "cross_entropy", {logits},
                [x, labels, lse, rows, V, ignore, reduction, scored](const Tensor& g, const std::vector<bool>&) {
                  Tensor dx = Tensor::empty(x.shape(), x.dtype());
                  HONE_DISPATCH_FLOAT(x.dtype(), T, "cross_entropy backward", [&] {
                    const T scale = T(row_scale(double(g.data<T>()[0]), reduction, scored));
                    kernels::cross_entropy_backward<T>(x.data<T>(), labels.data<int32_t>(), lse.data<T>(), rows, V,
                                                       ignore, scale, dx.data<T>());
                  });
                  return std::vector<Tensor>{dx};
                });
}

Tensor linear_cross_entropy(const Tensor& hidden, const Tensor& weight, const Tensor& labels,
                            const CrossEntropyOptions& options) {
  check_same_float_dtype("linear_cross_entropy", {hidden});
  HONE_CHECK(weight.defined() && weight.rank() == 2, "linear_cross_entropy: weight must be [vocab, hidden], got ",
             (weight.defined() ? describe(weight) : "an undefined tensor"));
  HONE_CHECK(hidden.rank() >= 1 && hidden.dim(-1) == weight.dim(1), "linear_cross_entropy: hidden ", describe(hidden),
             " does not match weight ", describe(weight), " ([vocab, hidden])");
  HONE_CHECK(!(weight.requires_grad() && weight.dtype() != hidden.dtype()), "linear_cross_entropy: trainable ",
             describe(weight), " must have the hidden states' dtype ", dtype_name(hidden.dtype()));
  HONE_CHECK(weight.dtype() == DType::F32 || weight.dtype() == DType::F64 || weight.dtype() == DType::BF16 ||
                 weight.dtype() == DType::F16,
             "linear_cross_entropy: weight ", describe(weight), " must be f32, f64, bf16 or f16");
  HONE_CHECK(options.chunk_tokens >= 0, "linear_cross_entropy: chunk_tokens must be >= 0, got ", options.chunk_tokens);
  check_labels_tensor("linear_cross_entropy", labels, hidden);
  const int64_t N = hidden.shape().rows(), D = hidden.shape().cols(), V = weight.dim(0);
  const int32_t ignore = options.ignore_index;
  const int64_t chunk = options.chunk_tokens;
  const int64_t scored = kernels::check_labels(labels.data<int32_t>(), N, V, ignore);
  // Training needs the logits for the loss and for its gradient, so the gradients are taken
  // here, for an upstream gradient of 1, while each chunk's logits exist; backward only scales
  // them. That spares recomputing the logits (a head-sized GEMM) and holds [N, D] and [V, D]
  // gradients instead of the hidden states.
  const bool grad_hidden = any_requires_grad({hidden}), grad_weight = any_requires_grad({weight});
  const Tensor dhidden = grad_hidden ? Tensor::empty(hidden.shape(), hidden.dtype()) : Tensor();
  const Tensor dweight = grad_weight ? Tensor::empty(weight.shape(), hidden.dtype()) : Tensor();
  Tensor lse = Tensor::empty(Shape{N}, hidden.dtype());
  Tensor row_loss = Tensor::empty(Shape{N}, hidden.dtype());
  Tensor out = Tensor::empty(Shape{1}, hidden.dtype());
  {
    const Tensor w = widened(weight, hidden.dtype());
    HONE_DISPATCH_FLOAT(hidden.dtype(), T, "linear_cross_entropy", [&] {
      if (grad_hidden || grad_weight) {
        kernels::linear_cross_entropy_forward_backward<T>(
            hidden.data<T>(), w.data<T>(), labels.data<int32_t>(), N, D, V, ignore, chunk,
            T(row_scale(1.0, options.reduction, scored)), lse.data<T>(), row_loss.data<T>(),
            grad_hidden ? dhidden.data<T>() : nullptr, grad_weight ? dweight.data<T>() : nullptr);
      } else {
        kernels::linear_cross_entropy_forward<T>(hidden.data<T>(), w.data<T>(), labels.data<int32_t>(), N, D, V,
                                                 ignore, chunk, lse.data<T>(), row_loss.data<T>());
      }
      reduce_rows<T>(row_loss, options.reduction, scored, out);
    });
  }
  if (!grad_hidden && !grad_weight) return out;
  return record(out, "linear_cross_entropy", {hidden, weight},
                [dhidden, dweight](const Tensor& g, const std::vector<bool>& needs) {
                  // A node's backward runs once, so the stashed gradients can be scaled in place
                  // and handed over without a copy.
                  std::vector<Tensor> grads{needs[0] ? dhidden : Tensor(), needs[1] ? dweight : Tensor()};
                  HONE_DISPATCH_FLOAT(g.dtype(), T, "linear_cross_entropy backward", [&] {
                    const T upstream = g.data<T>()[0];
                    if (upstream == T(1)) return;
                    for (Tensor& grad : grads)
                      if (grad.defined()) kernels::scale<T>(grad.data<T>(), upstream, grad.data<T>(), grad.numel());
                  });
                  return grads;
                });
}

}  // namespace hone
