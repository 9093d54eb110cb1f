// SwiGLU, the gated MLP activation of Llama-family models: out = silu(gate) * up, as one kernel
// (templated on float and double) instead of a silu pass and a multiply pass. Backward needs only
// gate and up (the sigmoid is recomputed), so the op saves no [N, intermediate] tensor of its own.
#pragma once

#include <cstdint>

namespace hone {
namespace kernels {

// out[i] = gate[i] * sigmoid(gate[i]) * up[i] over n elements (out may alias gate or up).
template <class T> void swiglu(const T* gate, const T* up, T* out, int64_t n);

// From dy = d(out): d_gate = dy * up * s * (1 + gate * (1 - s)) and d_up = dy * gate * s with
// s = sigmoid(gate), in one pass. Either output may be null when that gradient is not wanted.
template <class T>
void swiglu_backward(const T* gate, const T* up, const T* dy, T* d_gate, T* d_up, int64_t n);

}  // namespace kernels
}  // namespace hone
