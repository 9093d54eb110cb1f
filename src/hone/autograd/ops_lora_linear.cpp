#include "hone/autograd/ops_lora_linear.h"

#include <algorithm>
#include <type_traits>

#include "hone/autograd/record.h"
#include "hone/tensor/dispatch.h"
#include "hone/tensor/kernels_elementwise.h"
#include "hone/tensor/kernels_matmul.h"

namespace hone {

namespace {

// The base products with the weight as it is stored. A frozen weight kept narrower than the
// input (bf16/f16/q8_0) goes through the same tile-by-tile widening kernels `linear` uses, so no
// f32 copy of the whole matrix is made in forward or kept until backward; f64 inputs (gradient
// checks only) widen it whole.
template <class T>
constexpr DType compute_dtype() { return std::is_same_v<T, float> ? DType::F32 : DType::F64; }

template <class T>
void base_forward(const T* x, const Tensor& w, int64_t rows, int64_t out, int64_t in, T beta, T* y) {
  if constexpr (std::is_same_v<T, float>) {
    if (w.dtype() != DType::F32) return kernels::gemm_xwt_widening(rows, out, in, x, w.raw(), w.dtype(), beta, y);
  }
  const Tensor wide = w.dtype() == compute_dtype<T>() ? w : w.to(compute_dtype<T>());
  kernels::gemm<T>(false, true, rows, out, in, T(1), x, in, wide.data<T>(), in, beta, y, out);
}

// dx [rows, in] = dy [rows, out] · W, W as stored (see base_forward).
template <class T>
void base_input_gradient(const T* dy, const Tensor& w, int64_t rows, int64_t out, int64_t in, T* dx) {
  if constexpr (std::is_same_v<T, float>) {
    if (w.dtype() != DType::F32) return kernels::gemm_gw_widening(rows, out, in, dy, w.raw(), w.dtype(), dx);
  }
  const Tensor wide = w.dtype() == compute_dtype<T>() ? w : w.to(compute_dtype<T>());
  kernels::gemm<T>(false, false, rows, in, out, T(1), dy, out, wide.data<T>(), in, T(0), dx, in);
}

struct LoraLinearDims {
  int64_t rows, in, out, rank;
};

LoraLinearDims check_lora_linear(const Tensor& x, const Tensor& w, const Tensor& bias, const Tensor& x_lora,
                                 const Tensor& a, const Tensor& b) {
  HONE_CHECK(w.defined() && w.rank() == 2, "lora_linear: weight must be 2-D, got ", describe(w));
  HONE_CHECK(x.defined() && x.rank() >= 1 && x.dim(-1) == w.dim(1), "lora_linear: input ", describe(x),
             " does not match weight ", describe(w), " ([out_features, in_features])");
  HONE_CHECK(!(w.requires_grad() && w.dtype() != x.dtype()), "lora_linear: trainable ", describe(w),
             " must have the input's dtype ", dtype_name(x.dtype()));
  HONE_CHECK(x_lora.defined() && x_lora.shape() == x.shape(), "lora_linear: adapter input ",
             describe(x_lora), " must have the input's shape ", describe(x));
  HONE_CHECK(a.defined() && b.defined() && a.rank() == 2 && b.rank() == 2, "lora_linear: lora_A ", describe(a),
             " and lora_B ", describe(b), " must be 2-D");
  const LoraLinearDims d{x.numel() / std::max<int64_t>(x.dim(-1), 1), w.dim(1), w.dim(0), a.dim(0)};
  HONE_CHECK(a.dim(1) == d.in && b.dim(0) == d.out && b.dim(1) == d.rank, "lora_linear: lora_A ", describe(a),
             " must be [r, ", d.in, "] and lora_B ", describe(b), " [", d.out, ", r] for weight ", describe(w));
  check_same_float_dtype("lora_linear", {x, x_lora, a, b});
  if (bias.defined()) {
    check_same_float_dtype("lora_linear", {x, bias});
    HONE_CHECK(bias.numel() == d.out, "lora_linear: bias ", describe(bias), " does not match weight ", describe(w));
  }
  return d;
}

// What backward keeps: the adapter branch's input and u = x_l A^T, the weights (W as stored),
// and x only when W is trainable.
struct LoraLinearSaved {
  Tensor x_for_dw, x_lora, u, w_stored, a, b;
  double scaling;
  LoraLinearDims d;
  Shape x_shape;
  bool shared_input;  // x_lora is x: one input, one summed gradient
};

// Inputs in record() order: x, W, bias, x_lora (undefined when shared), A, B.
std::vector<Tensor> lora_linear_backward(const LoraLinearSaved& sv, const Tensor& dy, const std::vector<bool>& needs) {
  enum { kX, kW, kBias, kXLora, kA, kB };
  std::vector<Tensor> grads(6);
  const LoraLinearDims& d = sv.d;
  const bool dx_has_lora_term = sv.shared_input && needs[kX];
  HONE_DISPATCH_FLOAT(dy.dtype(), T, "lora_linear backward", [&] {
    const T* G = dy.data<T>();
    const T s = T(sv.scaling);
    Tensor dy_b;  // dy B [rows, r]: shared by dA and the adapter input's gradient
    if (needs[kA] || needs[kXLora] || dx_has_lora_term) {
      dy_b = Tensor::empty(Shape{d.rows, d.rank}, dy.dtype());
      kernels::gemm<T>(false, false, d.rows, d.rank, d.out, T(1), G, d.out, sv.b.data<T>(), d.rank, T(0),
                       dy_b.data<T>(), d.rank);
    }
    if (needs[kB]) {  // dB = s dy^T u
      grads[kB] = Tensor::empty(sv.b.shape(), sv.b.dtype());
      kernels::gemm<T>(true, false, d.out, d.rank, d.rows, s, G, d.out, sv.u.data<T>(), d.rank, T(0),
                       grads[kB].data<T>(), d.rank);
    }
    if (needs[kA]) {  // dA = s (dy B)^T x_l
      grads[kA] = Tensor::empty(sv.a.shape(), sv.a.dtype());
      kernels::gemm<T>(true, false, d.rank, d.in, d.rows, s, dy_b.data<T>(), d.rank, sv.x_lora.data<T>(), d.in,
                       T(0), grads[kA].data<T>(), d.in);
    }
    if (needs[kX]) {  // dx = dy W, plus s (dy B) A when x is also the adapter's input (GEMM beta = 1)
      grads[kX] = Tensor::empty(sv.x_shape, dy.dtype());
      base_input_gradient<T>(G, sv.w_stored, d.rows, d.out, d.in, grads[kX].data<T>());
      if (dx_has_lora_term)
        kernels::gemm<T>(false, false, d.rows, d.in, d.rank, s, dy_b.data<T>(), d.rank, sv.a.data<T>(), d.in, T(1),
                         grads[kX].data<T>(), d.in);
    }
    if (needs[kXLora]) {  // d(x_l) = s (dy B) A, on to whatever produced x_l (dropout)
      grads[kXLora] = Tensor::empty(sv.x_shape, dy.dtype());
      kernels::gemm<T>(false, false, d.rows, d.in, d.rank, s, dy_b.data<T>(), d.rank, sv.a.data<T>(), d.in, T(0),
                       grads[kXLora].data<T>(), d.in);
    }
    if (needs[kW]) {  // dW = dy^T x: only a trainable W (a frozen one gets no weight-gradient GEMM)
      grads[kW] = Tensor::empty(sv.w_stored.shape(), sv.w_stored.dtype());
      kernels::gemm<T>(true, false, d.out, d.in, d.rows, T(1), G, d.out, sv.x_for_dw.data<T>(), d.in, T(0),
                       grads[kW].data<T>(), d.in);
    }
    if (needs[kBias]) {
      grads[kBias] = Tensor::empty(Shape{d.out}, dy.dtype());
      kernels::sum_rows<T>(G, grads[kBias].data<T>(), d.rows * d.out, d.out);
    }
  });
  return grads;
}

}  // namespace

Tensor lora_linear(const Tensor& x, const Tensor& w_stored, const Tensor& bias, const Tensor& x_lora,
                   const Tensor& a, const Tensor& b, double scaling) {
  const LoraLinearDims d = check_lora_linear(x, w_stored, bias, x_lora, a, b);
  const bool shared_input = x_lora.same_as(x);
  Shape out_shape = x.shape();
  out_shape[-1] = d.out;
  Tensor y = Tensor::empty(out_shape, x.dtype());
  Tensor u = Tensor::empty(Shape{d.rows, d.rank}, x.dtype());  // x_l A^T
  {
    HONE_DISPATCH_FLOAT(x.dtype(), T, "lora_linear", [&] {
      T* Y = y.data<T>();
      if (bias.defined()) {
        const T* bb = bias.data<T>();
        for (int64_t r = 0; r < d.rows; ++r) std::copy(bb, bb + d.out, Y + r * d.out);
      }
      base_forward<T>(x.data<T>(), w_stored, d.rows, d.out, d.in, T(bias.defined() ? 1 : 0), Y);
      kernels::gemm<T>(false, true, d.rows, d.rank, d.in, T(1), x_lora.data<T>(), d.in, a.data<T>(), d.in, T(0),
                       u.data<T>(), d.rank);
      // y += s * u B^T: the adapter's contribution lands in the base output, no [rows, out] temporary.
      kernels::gemm<T>(false, true, d.rows, d.out, d.rank, T(scaling), u.data<T>(), d.rank, b.data<T>(), d.rank,
                       T(1), Y, d.out);
    });
  }
  if (!any_requires_grad({x, w_stored, bias, x_lora, a, b})) return y;

  // x itself is needed only for a trainable W's gradient; with a shared input it is x_l anyway.
  LoraLinearSaved saved{w_stored.requires_grad() ? x : Tensor(), x_lora, u, w_stored, a, b, scaling, d, x.shape(),
                        shared_input};
  // A shared input is recorded once, so its two gradient terms are summed in backward.
  std::vector<Tensor> inputs{x, w_stored, bias, shared_input ? Tensor() : x_lora, a, b};
  return record(y, "lora_linear", std::move(inputs),
                [saved = std::move(saved)](const Tensor& dy, const std::vector<bool>& needs) {
                  return lora_linear_backward(saved, dy, needs);
                });
}

}  // namespace hone
