// LoRA on one linear layer: y = W x + b + s * B A dropout(x), with A [r, in], B [out, r] and
// s = alpha / r (alpha / sqrt(r) for rsLoRA). With DoRA the layer's output is also rescaled per
// output row by magnitude / ||W + s B A||_row (the norm treated as a constant, as PEFT does).
#pragma once

#include <memory>

#include "hone/model/linear_module.h"

namespace hone {

class LoraAdapter : public LinearAdapter {
 public:
  // Creates A and B for `base` with rank r; init "default" (Kaiming-uniform A, zero B, as PEFT)
  // or "gaussian" (A ~ N(0, 1/r), zero B). DoRA's magnitude starts at ||W||_row.
  LoraAdapter(const LinearModule& base, int64_t r, double scaling, double dropout, bool use_dora,
              const std::string& init, uint64_t seed, uint64_t stream);

  Tensor forward(const LinearModule& base, const Tensor& x, const Tensor& base_out,
                 const ForwardContext& ctx) const override;
  // Plain LoRA and rsLoRA: the base product and the adapter as one fused op (lora_linear).
  // DoRA returns undefined (it rescales the base output, so it keeps the composed path).
  Tensor forward_whole(const LinearModule& base, const Tensor& x, const ForwardContext& ctx) const override;

  Tensor& lora_A() { return a_; }
  Tensor& lora_B() { return b_; }
  Tensor& magnitude() { return magnitude_; }  // undefined unless DoRA
  const Tensor& lora_A() const { return a_; }
  const Tensor& lora_B() const { return b_; }
  const Tensor& magnitude() const { return magnitude_; }
  int64_t rank() const { return a_.dim(0); }
  double scaling() const { return scaling_; }
  bool use_dora() const { return magnitude_.defined(); }

  // W + s B A (DoRA: rescaled by magnitude / row norm): the weight that makes this adapter
  // unnecessary. Returned in f32 with W's shape.
  Tensor merged_weight(const LinearModule& base) const;

 private:
  // W + s B A in f32, without DoRA's rescaling.
  Tensor merged_weight_plain(const LinearModule& base) const;
  // ||W + s B A|| per output row.
  Tensor row_norm_of_adapted_weight(const LinearModule& base) const;
  // The adapter branch's input: x, or x after LoRA dropout while `ctx` is training.
  Tensor adapter_input(const Tensor& x, const ForwardContext& ctx) const;

  Tensor a_, b_, magnitude_;
  double scaling_;
  double dropout_;
  uint64_t stream_;
};

}  // namespace hone
