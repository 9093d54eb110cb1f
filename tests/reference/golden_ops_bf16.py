"""PyTorch CPU autocast (torch.autocast("cpu", torch.bfloat16)) references for hone's bf16 products.

Writes tests/golden/bf16_{linear,lora_linear,attention}.safetensors. Each case holds the f32
inputs, "out" = the op under autocast (cast back to f32), a fixed random "R" and "grad_<input>" =
d(sum(out * R))/d(input) through autocast's backward, in the layout tests/support/golden_op_case.h
reads. Autocast rounds each product's inputs to bf16 and its output to bf16; hone rounds the
inputs alike but keeps the f32 accumulation as the output, so the two differ by about one bf16
rounding of each output (the C++ tests state the tolerances).

Linear cases also hold "exact_out" and "exact_grad_<input>": the product of the bf16-rounded
operands in float64, which hone's bf16 path must match to f32 accumulation error — proof that
it runs on bf16 inputs with f32 sums, not in f32 and not with bf16 outputs.

Shapes have more than 8 rows: hone multiplies fewer rows (decode) through f32 gemv kernels.
Run: /usr/bin/python3 tests/reference/golden_ops_bf16.py
"""
import torch
import torch.nn.functional as F

from golden_common import f32, randn, save_golden
from golden_ops_transformer import additive, causal_keep, eager_attention


def bf16_round(t):
    return t.to(torch.bfloat16).double()


def autocast_case(out_dict, name, fn, inputs, seed):
    """Runs fn(**inputs) under bf16 autocast on f32 inputs and records the case."""
    args = {}
    for key, value in inputs.items():
        args[key] = value.clone().requires_grad_(True) if value.dtype == torch.float32 else value
        out_dict[f"{name}.{key}"] = value
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = fn(**args)
    out = out.float()
    r = randn(out.shape, seed + 1000, torch.float32)
    (out * r).sum().backward()
    out_dict[f"{name}.out"] = out.detach()
    out_dict[f"{name}.R"] = r
    for key, value in args.items():
        if value.dtype == torch.float32 and value.requires_grad:
            out_dict[f"{name}.grad_{key}"] = value.grad.float()
    return r


def linear_case(out_dict, name, x, w, b, seed):
    inputs = {"input": x, "weight": w} if b is None else {"input": x, "weight": w, "bias": b}
    r = autocast_case(out_dict, name, F.linear, inputs, seed)
    # The exact products of the rounded operands (f64): y = x~ w~^T (+ b), dx = g~ w~, dw = g~^T x~.
    xr, wr, g = bf16_round(x), bf16_round(w), bf16_round(r)
    y = xr @ wr.T + (b.double() if b is not None else 0)
    out_dict[f"{name}.exact_out"] = y.float()
    out_dict[f"{name}.exact_grad_input"] = (g.reshape(-1, g.shape[-1]) @ wr).reshape(x.shape).float()
    out_dict[f"{name}.exact_grad_weight"] = (g.reshape(-1, g.shape[-1]).T @ xr.reshape(-1, x.shape[-1])).float()


def lora_linear(input, weight, lora_A, lora_B, scaling):
    """PEFT's lora Linear under autocast: base(x) + lora_B(lora_A(x)) * scaling."""
    return F.linear(input, weight) + F.linear(F.linear(input, lora_A), lora_B) * scaling


def main():
    d = {}
    linear_case(d, "nobias", f32([24, 64], 1), f32([40, 64], 2, 0.2), None, 10)
    linear_case(d, "bias_batched", f32([2, 12, 48], 3), f32([32, 48], 4, 0.2), f32([32], 5), 11)
    save_golden("bf16_linear", d, {"source": "torch.autocast(cpu, bfloat16) F.linear"})

    d = {}
    # Frozen base weight; LoRA A and B trainable, B non-zero so every gradient is exercised.
    autocast_case(d, "rank8", lambda input, weight, lora_A, lora_B: lora_linear(input, weight, lora_A, lora_B, 2.0),
                  {"input": f32([32, 64], 20), "weight": f32([48, 64], 21, 0.2), "lora_A": f32([8, 64], 22, 0.2),
                   "lora_B": f32([48, 8], 23, 0.2)}, 30)
    save_golden("bf16_lora_linear", d, {"source": "torch.autocast(cpu, bfloat16) PEFT lora Linear, scaling 2"})

    d = {}
    # q [B, T, Hq, Dh], k/v [B, S, Hkv, Dh]; grouped-query heads, causal.
    autocast_case(d, "gqa_causal", lambda q, k, v: eager_attention(q, k, v, additive(causal_keep(24, 24), torch.float32)),
                  {"q": f32([2, 24, 4, 16], 40), "k": f32([2, 24, 2, 16], 41), "v": f32([2, 24, 2, 16], 42)}, 50)
    save_golden("bf16_attention", d, {"source": "torch.autocast(cpu, bfloat16) eager attention"})


if __name__ == "__main__":
    main()
