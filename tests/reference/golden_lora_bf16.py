"""A whole LoRA step under PyTorch CPU bf16 autocast, for hone's precision: bf16.

The adapter tests/data/peft/all_linear_f32 (written by golden_lora.py) on tests/data/models/llama_gqa,
the same batch as golden_lora.py, with forward and loss run inside torch.autocast("cpu",
torch.bfloat16): every linear (base, lora_A, lora_B, lm_head) and attention matmul takes bf16
inputs; the loss is computed in f32 on logits.float(), as a PyTorch user writes it. Writes
tests/golden/lora_all_linear_f32_autocast_bf16.safetensors: ids, labels, loss, the gradient of
every adapter tensor, and the f32 loss for comparison ("loss_f32").

On this small random model autocast's own gradients differ from f32 ones by ~10% of their
largest entry (bf16 noise, amplified), so "exact_loss" and "exact_grad.*" also hold hone's
semantics emulated in PyTorch: every product rounds both operands to bf16 and keeps the f32 sum,
forward and backward (dx = bf16(g) bf16(W), dW = bf16(g)^T bf16(x)). hone must match those
closely and autocast to within bf16 noise.

Run: /usr/bin/python3 tests/reference/golden_lora_bf16.py (after golden_lora.py)
"""
import torch

import golden_lora
import golden_models
from golden_common import save_golden, seeded

CASE = "all_linear_f32"


def bf16(t):
    return t.to(torch.bfloat16).float()


class RoundedOperandProduct(torch.autograd.Function):
    """a @ b on bf16-rounded operands with f32 sums; backward rounds the incoming gradient too."""

    @staticmethod
    def forward(ctx, a, b):
        ra, rb = bf16(a), bf16(b)
        ctx.save_for_backward(ra, rb)
        return ORIGINAL_MATMUL(ra, rb)

    @staticmethod
    def backward(ctx, g):
        ra, rb = ctx.saved_tensors
        rg = bf16(g)
        return ORIGINAL_MATMUL(rg, rb.transpose(-1, -2)), ORIGINAL_MATMUL(ra.transpose(-1, -2), rg)


ORIGINAL_MATMUL = torch.Tensor.__matmul__


def rounded_matmul(a, b):
    if a.shape[-1] == 1:  # the rotary table's outer product: not a model product
        return ORIGINAL_MATMUL(a, b)
    return RoundedOperandProduct.apply(a, b)


def main():
    ids = torch.randint(0, 96, (2, 9), generator=seeded(11))  # golden_lora.py's batch
    labels = ids.clone()
    labels[0, :2] = -100
    labels[1, 6] = -100
    spec = golden_lora.CASES[CASE]
    case_index = list(golden_lora.CASES).index(CASE)
    model_name = spec["model"]
    cfg = dict(golden_models.BASE, **golden_models.VARIANTS[model_name])
    model_seed = 100 + list(golden_models.VARIANTS).index(model_name)
    base = golden_models.Reference(cfg, model_seed)
    adapter = golden_lora.make_adapter(case_index, cfg, spec["config"], {k: v.detach() for k, v in base.params.items()},
                                       spec["dtype"])
    model = golden_lora.LoraReference(cfg, model_seed, spec["config"], adapter)
    params = model.adapter_parameters()
    loss_f32 = golden_lora.loss_of(model(ids), labels, cfg["vocab_size"]).detach()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = model(ids)
    loss = golden_lora.loss_of(logits.float(), labels, cfg["vocab_size"])
    loss.backward()
    out = {"ids": ids.to(torch.int32), "labels": labels.to(torch.int32), "loss": loss.detach().reshape(1),
           "loss_f32": loss_f32.reshape(1)}
    for key, p in params.items():
        out["grad." + key] = p.grad.clone()
        p.grad = None
    torch.Tensor.__matmul__ = rounded_matmul
    try:
        exact = golden_lora.loss_of(model(ids), labels, cfg["vocab_size"])
        exact.backward()
    finally:
        torch.Tensor.__matmul__ = ORIGINAL_MATMUL
    out["exact_loss"] = exact.detach().reshape(1)
    for key, p in params.items():
        out["exact_grad." + key] = p.grad.clone()
    save_golden("lora_" + CASE + "_autocast_bf16", out, {"source": "torch.autocast(cpu, bfloat16), golden_lora.py"})


if __name__ == "__main__":
    main()
