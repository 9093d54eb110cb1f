#include "hone/autograd/ops_linalg.h"

#include <algorithm>

#include "hone/autograd/record.h"
#include "hone/tensor/dispatch.h"
#include "hone/tensor/kernels_elementwise.h"
#include "hone/tensor/kernels_gemv.h"
#include "hone/tensor/kernels_matmul.h"

namespace hone {

namespace {

struct MatmulDims {
  int64_t batch, M, N, K;
  bool shared_b;  // b is one matrix reused for every batch item
};

MatmulDims matmul_dims(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  check_same_float_dtype("matmul", {a, b});
  HONE_CHECK(a.rank() >= 2 && b.rank() >= 2, "matmul: operands need at least 2 dimensions: ", describe(a), ", ",
             describe(b));
  MatmulDims d{};
  d.M = ta ? a.dim(-1) : a.dim(-2);
  d.K = ta ? a.dim(-2) : a.dim(-1);
  const int64_t kb = tb ? b.dim(-1) : b.dim(-2);
  d.N = tb ? b.dim(-2) : b.dim(-1);
  HONE_CHECK(d.K == kb, "matmul: inner dimensions differ: ", describe(a), (ta ? "^T" : ""), " @ ", describe(b),
             (tb ? "^T" : ""));
  d.batch = 1;
  for (int i = 0; i < a.rank() - 2; ++i) d.batch *= a.dim(i);
  d.shared_b = b.rank() == 2 && a.rank() > 2;
  if (!d.shared_b) {
    HONE_CHECK(a.rank() == b.rank(), "matmul: batch dimensions differ: ", describe(a), " @ ", describe(b));
    for (int i = 0; i < a.rank() - 2; ++i)
      HONE_CHECK(a.dim(i) == b.dim(i), "matmul: batch dimensions differ: ", describe(a), " @ ", describe(b));
  }
  HONE_CHECK(!(d.shared_b && ta), "matmul: a shared 2-D right operand with a transposed batched left operand");
  return d;
}

template <class T>
void batched(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C, int64_t batch,
             int64_t stride_b, T beta = T(0)) {
  kernels::gemm_batched<T>(ta, tb, M, N, K, T(1), A, ta ? M : K, M * K, B, tb ? K : N, stride_b, beta, C, N, M * N,
                           batch);
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const MatmulDims d = matmul_dims(a, b, ta, tb);
  Shape out_shape = a.shape();
  out_shape[-2] = d.M;
  out_shape[-1] = d.N;
  Tensor out = Tensor::empty(out_shape, a.dtype());
  HONE_DISPATCH_FLOAT(a.dtype(), T, "matmul", [&] {
    if (d.shared_b)  // fold the batch into M: one large product
      kernels::gemm<T>(false, tb, d.batch * d.M, d.N, d.K, T(1), a.data<T>(), d.K, b.data<T>(), tb ? d.K : d.N, T(0),
                       out.data<T>(), d.N);
    else
      batched<T>(ta, tb, d.M, d.N, d.K, a.data<T>(), b.data<T>(), out.data<T>(), d.batch, d.K * d.N);
  });
  if (!any_requires_grad({a, b})) return out;
  return record(out, "matmul", {a, b}, [a, b, ta, tb, d](const Tensor& g, const std::vector<bool>& needs) {
    std::vector<Tensor> grads(2);
    HONE_DISPATCH_FLOAT(g.dtype(), T, "matmul backward", [&] {
      const T* G = g.data<T>();
      if (needs[0]) {
        grads[0] = Tensor::empty(a.shape(), a.dtype());
        T* dA = grads[0].data<T>();
        const T* B = b.data<T>();
        const int64_t sb = d.shared_b ? 0 : d.K * d.N;
        const int64_t ldb = tb ? d.K : d.N;
        if (d.shared_b) {  // dA[bM, K] = G[bM, N] op(B)^T
          kernels::gemm<T>(false, !tb, d.batch * d.M, d.K, d.N, T(1), G, d.N, B, ldb, T(0), dA, d.K);
        } else if (!ta) {  // dA[M,K] = G op(B)^T
          kernels::gemm_batched<T>(false, !tb, d.M, d.K, d.N, T(1), G, d.N, d.M * d.N, B, ldb, sb, T(0), dA, d.K,
                                   d.M * d.K, d.batch);
        } else {  // A stored [K,M]: dA = op(B) G^T
          kernels::gemm_batched<T>(tb, true, d.K, d.M, d.N, T(1), B, ldb, sb, G, d.N, d.M * d.N, T(0), dA, d.M,
                                   d.M * d.K, d.batch);
        }
      }
      if (needs[1]) {
        grads[1] = Tensor::empty(b.shape(), b.dtype());
        T* dB = grads[1].data<T>();
        const T* A = a.data<T>();
        const int64_t lda = ta ? d.M : d.K;
        if (d.shared_b) {  // sum over the folded batch in one product
          if (!tb) kernels::gemm<T>(true, false, d.K, d.N, d.batch * d.M, T(1), A, d.K, G, d.N, T(0), dB, d.N);
          else kernels::gemm<T>(true, false, d.N, d.K, d.batch * d.M, T(1), G, d.N, A, d.K, T(0), dB, d.K);
        } else if (!tb) {  // dB[K,N] = op(A)^T G
          kernels::gemm_batched<T>(!ta, false, d.K, d.N, d.M, T(1), A, lda, d.M * d.K, G, d.N, d.M * d.N, T(0), dB,
                                   d.N, d.K * d.N, d.batch);
        } else {  // B stored [N,K]: dB = G^T op(A)
          kernels::gemm_batched<T>(true, ta, d.N, d.K, d.M, T(1), G, d.N, d.M * d.N, A, lda, d.M * d.K, T(0), dB, d.K,
                                   d.K * d.N, d.batch);
        }
      }
    });
    return grads;
  });
}

namespace {

// y [rows, outf] = x · wᵀ (+ bias) in f32, for a weight in any dtype: few rows through gemv
// (the weight streamed once, widened in registers), more through a GEMM on f32 weights or on
// tiles widened one at a time. `may_gemv` is false where a product must match the GEMM's
// rounding (f32 weights in a recorded graph: training keeps BLAS's sums).
void linear_forward_f32(const Tensor& x, const Tensor& w, const Tensor& bias, int64_t rows, Tensor& out,
                        bool may_gemv) {
  const int64_t in = w.dim(1), outf = w.dim(0);
  const float* b = bias.defined() ? bias.data<float>() : nullptr;
  float* y = out.data<float>();
  if (may_gemv && rows <= kernels::kGemvMaxRows && kernels::gemv_supports(w.dtype()) &&
      in % dtype_info(w.dtype()).block_size == 0) {
    kernels::gemv(x.data<float>(), rows, in, w.raw(), w.dtype(), outf, b, y);
    return;
  }
  if (b)
    for (int64_t r = 0; r < rows; ++r) std::copy(b, b + outf, y + r * outf);
  const float beta = b ? 1.0f : 0.0f;
  if (w.dtype() == DType::F32)
    kernels::gemm<float>(false, true, rows, outf, in, 1.0f, x.data<float>(), in, w.data<float>(), in, beta, y, outf);
  else
    kernels::gemm_xwt_widening(rows, outf, in, x.data<float>(), w.raw(), w.dtype(), beta, y);
}

// dx [rows, in] = g [rows, outf] · w for a weight stored narrower than g: tile by tile in f32,
// widened whole in f64 (gradient checks only).
void input_gradient_narrow_weight(const float* g, const Tensor& w, int64_t rows, int64_t in, int64_t outf, float* dx) {
  kernels::gemm_gw_widening(rows, outf, in, g, w.raw(), w.dtype(), dx);
}
void input_gradient_narrow_weight(const double* g, const Tensor& w, int64_t rows, int64_t in, int64_t outf,
                                  double* dx) {
  const Tensor wide = w.to(DType::F64);
  kernels::gemm<double>(false, false, rows, in, outf, 1.0, g, outf, wide.data<double>(), in, 0.0, dx, in);
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  HONE_CHECK(w.defined() && w.rank() == 2, "linear: weight must be 2-D, got ", describe(w));
  HONE_CHECK(x.defined() && x.rank() >= 1 && x.dim(-1) == w.dim(1), "linear: input ", describe(x),
             " does not match weight ", describe(w), " ([out_features, in_features])");
  HONE_CHECK(is_compute_type(x.dtype()), "linear: input ", describe(x), " must be f32 or f64");
  HONE_CHECK(w.dtype() != DType::I32, "linear: weight ", describe(w), " must hold floating-point values");
  HONE_CHECK(!(w.requires_grad() && w.dtype() != x.dtype()), "linear: trainable ", describe(w),
             " must have the input's dtype ", dtype_name(x.dtype()));
  HONE_CHECK(w.dim(1) % dtype_info(w.dtype()).block_size == 0, "linear: ", describe(w), " rows are not a whole ",
             "number of ", dtype_name(w.dtype()), " blocks");
  if (bias.defined()) {
    check_same_float_dtype("linear", {x, bias});
    HONE_CHECK(bias.numel() == w.dim(0), "linear: bias ", describe(bias), " does not match weight ", describe(w));
  }
  const int64_t rows = x.numel() / std::max<int64_t>(x.dim(-1), 1), in = w.dim(1), outf = w.dim(0);
  Shape out_shape = x.shape();
  out_shape[-1] = outf;
  Tensor out = Tensor::empty(out_shape, x.dtype());
  const bool recording = any_requires_grad({x, w, bias});
  if (x.dtype() == DType::F32 && w.dtype() != DType::F64) {
    linear_forward_f32(x, w, bias, rows, out, !recording || w.dtype() != DType::F32);
  } else {  // f64 (gradient checks): a weight of another dtype is widened whole
    const Tensor wx = w.to(x.dtype());
    HONE_DISPATCH_FLOAT(x.dtype(), T, "linear", [&] {
      T* y = out.data<T>();
      if (bias.defined()) {
        const T* bb = bias.data<T>();
        for (int64_t r = 0; r < rows; ++r) std::copy(bb, bb + outf, y + r * outf);
      }
      kernels::gemm<T>(false, true, rows, outf, in, T(1), x.data<T>(), in, wx.data<T>(), in,
                       T(bias.defined() ? 1 : 0), y, outf);
    });
  }
  if (!recording) return out;
  // Save only what backward reads: x for the weight's gradient, w for the input's. A frozen
  // weight (LoRA, frozen layers) therefore never keeps its layer's input alive.
  const Tensor x_saved = w.requires_grad() ? x : Tensor();
  const Tensor w_saved = x.requires_grad() ? w : Tensor();
  return record(out, "linear", {x, w, bias},
                [x_saved, w_saved, x_shape = x.shape(), rows, in, outf](const Tensor& g, const std::vector<bool>& needs) {
    std::vector<Tensor> grads(3);
    HONE_DISPATCH_FLOAT(g.dtype(), T, "linear backward", [&] {
      const T* G = g.data<T>();
      if (needs[0]) {  // dx = g @ w
        grads[0] = Tensor::empty(x_shape, g.dtype());
        T* dx = grads[0].data<T>();
        if (w_saved.dtype() == g.dtype())
          kernels::gemm<T>(false, false, rows, in, outf, T(1), G, outf, w_saved.data<T>(), in, T(0), dx, in);
        else
          input_gradient_narrow_weight(G, w_saved, rows, in, outf, dx);
      }
      if (needs[1]) {  // dw = g^T @ x
        grads[1] = Tensor::empty(Shape{outf, in}, g.dtype());
        kernels::gemm<T>(true, false, outf, in, rows, T(1), G, outf, x_saved.data<T>(), in, T(0),
                         grads[1].data<T>(), in);
      }
      if (needs[2]) {
        grads[2] = Tensor::empty(Shape{outf}, g.dtype());
        kernels::sum_rows<T>(G, grads[2].data<T>(), rows * outf, outf);
      }
    });
    return grads;
  });
}

}  // namespace hone
