"""Goldens for hone's fused ops: tests/golden/fused_ops.safetensors.

swiglu(gate, up) = silu(gate) * up (LlamaMLP's act_fn(gate_proj(x)) * up_proj(x)), and
lora_linear(x, W, bias, x_lora, A, B, s) = x W^T + bias + s (x_lora A^T) B^T, PEFT's
LoraLayer.forward for one adapter (x_lora is x after LoRA dropout; here a separate tensor in one
case, x itself in the others). Same conventions as golden_ops_basic.py: f32 inputs, the op in
float64 on their exact values, and <case>.{inputs, out, R, grad_<input>} for every float input.

Run: /usr/bin/python3 tests/reference/golden_ops_fused.py
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_common import case, f32, save_golden  # noqa: E402


def swiglu(gate, up):
    return F.silu(gate) * up


def lora_linear(x, w, a, b, scaling, bias=None, x_lora=None):
    base = F.linear(x, w, bias)
    branch = F.linear(F.linear(x if x_lora is None else x_lora, a), b)
    return base + scaling * branch


def main():
    t = {}
    case(t, "swiglu_2d", swiglu, {"gate": f32([6, 10], 1, 3.0), "up": f32([6, 10], 2)}, 10)
    case(t, "swiglu_3d", swiglu, {"gate": f32([2, 3, 7], 3, 8.0), "up": f32([2, 3, 7], 4)}, 20)
    case(t, "lora_linear", lambda x, w, a, b: lora_linear(x, w, a, b, 2.0),
         {"x": f32([5, 12], 5), "w": f32([9, 12], 6, 0.3), "a": f32([4, 12], 7, 0.3), "b": f32([9, 4], 8, 0.3)}, 30)
    case(t, "lora_linear_bias_3d", lambda x, w, bias, a, b: lora_linear(x, w, a, b, 0.5, bias=bias),
         {"x": f32([2, 3, 8], 9), "w": f32([6, 8], 10, 0.3), "bias": f32([6], 11), "a": f32([2, 8], 12, 0.3),
          "b": f32([6, 2], 13, 0.3)}, 40)
    case(t, "lora_linear_dropout_input", lambda x, w, x_lora, a, b: lora_linear(x, w, a, b, 4.0, x_lora=x_lora),
         {"x": f32([4, 8], 14), "w": f32([5, 8], 15, 0.3), "x_lora": f32([4, 8], 16), "a": f32([3, 8], 17, 0.3),
          "b": f32([5, 3], 18, 0.3)}, 50)
    print(save_golden("fused_ops", t))


if __name__ == "__main__":
    main()
