#include "hone/peft/lora/layer.h"

#include <cmath>

#include "hone/autograd/grad_mode.h"
#include "hone/autograd/ops_dropout.h"
#include "hone/autograd/ops_elementwise.h"
#include "hone/autograd/ops_linalg.h"
#include "hone/autograd/ops_lora_linear.h"
#include "hone/tensor/kernels_matmul.h"
#include "hone/util/rng.h"

namespace hone {

LoraAdapter::LoraAdapter(const LinearModule& base, int64_t r, double scaling, double dropout, bool use_dora,
                         const std::string& init, uint64_t seed, uint64_t stream)
    : scaling_(scaling), dropout_(dropout), stream_(stream) {
  const int64_t in = base.in_features(), out = base.out_features();
  a_ = Tensor::empty({r, in}).set_name(base.name + ".lora_A.weight");
  b_ = Tensor::zeros({out, r}).set_name(base.name + ".lora_B.weight");
  const Rng rng(seed, stream);
  float* a = a_.data<float>();
  if (init == "gaussian") {
    for (int64_t i = 0; i < a_.numel(); ++i) a[i] = float(rng.normal(uint64_t(i)) / double(r));
  } else {
    // kaiming_uniform_(a=sqrt(5)) on [r, in]: bound = gain * sqrt(3 / fan_in) = 1 / sqrt(in).
    const double bound = 1.0 / std::sqrt(double(in));
    for (int64_t i = 0; i < a_.numel(); ++i) a[i] = float((2.0 * rng.uniform(uint64_t(i)) - 1.0) * bound);
  }
  a_.set_requires_grad(true);
  b_.set_requires_grad(true);
  if (use_dora) {
    magnitude_ = row_norm_of_adapted_weight(base).set_name(base.name + ".lora_magnitude_vector");
    magnitude_.set_requires_grad(true);
  }
}

Tensor LoraAdapter::row_norm_of_adapted_weight(const LinearModule& base) const {
  const Tensor w = merged_weight_plain(base);
  const int64_t out = w.dim(0), in = w.dim(1);
  Tensor norm = Tensor::empty({out});
  const float* p = w.data<float>();
  float* n = norm.data<float>();
  for (int64_t o = 0; o < out; ++o) {
    double s = 0;
    for (int64_t i = 0; i < in; ++i) s += double(p[o * in + i]) * double(p[o * in + i]);
    n[o] = float(std::sqrt(s));
  }
  return norm;
}

Tensor LoraAdapter::merged_weight_plain(const LinearModule& base) const {
  Tensor w = base.weight.to(DType::F32).clone();
  kernels::gemm<float>(false, false, w.dim(0), w.dim(1), rank(), float(scaling_), b_.data<float>(), rank(),
                       a_.data<float>(), w.dim(1), 1.0f, w.data<float>(), w.dim(1));
  return w;
}

Tensor LoraAdapter::merged_weight(const LinearModule& base) const {
  Tensor w = merged_weight_plain(base);
  if (!use_dora()) return w;
  const Tensor norm = row_norm_of_adapted_weight(base);
  const int64_t out = w.dim(0), in = w.dim(1);
  float* p = w.data<float>();
  const float* m = magnitude_.data<float>();
  const float* n = norm.data<float>();
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i) p[o * in + i] *= m[o] / n[o];
  return w;
}

Tensor LoraAdapter::adapter_input(const Tensor& x, const ForwardContext& ctx) const {
  if (!ctx.training || dropout_ == 0) return x;
  // One stream per adapter; each micro-step gets a fresh 2^40-wide window of positions. Window
  // 0 is where A's initial values were drawn, so masks start at window 1.
  return dropout(x, dropout_, Rng(ctx.seed, stream_), (ctx.micro_step + 1) << 40);
}

Tensor LoraAdapter::forward_whole(const LinearModule& base, const Tensor& x, const ForwardContext& ctx) const {
  if (use_dora()) return Tensor();
  return lora_linear(x, base.weight, base.bias, adapter_input(x, ctx), a_, b_, scaling_);
}

Tensor LoraAdapter::forward(const LinearModule& base, const Tensor& x, const Tensor& base_out,
                            const ForwardContext& ctx) const {
  const Tensor h = adapter_input(x, ctx);
  const Tensor lora = scale(linear(linear(h, a_), b_), scaling_);
  if (!use_dora()) return add(base_out, lora);
  // DoRA, as PEFT computes it: with m the magnitude and n = ||W + s B A||_row (no gradient),
  //   out = base_out + (m / n - 1) * base + (m / n) * lora
  // where base is the layer's output without bias on the (dropped-out) input.
  Tensor norm;
  {
    NoGradGuard no_grad;
    norm = row_norm_of_adapted_weight(base);
  }
  Tensor inv_norm = Tensor::empty(norm.shape());
  for (int64_t i = 0; i < norm.numel(); ++i) inv_norm.data<float>()[i] = 1.0f / norm.data<float>()[i];
  const Tensor ratio = mul(magnitude_, inv_norm);  // m / n, differentiable in m
  Tensor plain;
  if (h.same_as(x)) plain = base.bias.defined() ? sub(base_out, base.bias) : base_out;
  else plain = linear(h, base.weight);  // dropout changed the input: PEFT recomputes here too
  const Tensor rescaled_base = mul(plain, sub(ratio, Tensor::full({1}, 1.0, ratio.dtype())));
  return add(add(base_out, rescaled_base), mul(lora, ratio));
}

}  // namespace hone
