"""Golden for a LoRA run through hone's trainer (issue 11, item 15): tests/golden/train_lora_llama_gqa.

8 optimizer steps of LoRA (rank 4, alpha 8, every linear layer of tests/data/models/llama_gqa, no
dropout) on tests/data/train/full_ft.jsonl with what the trainer adds on top of the ops:
gradient accumulation (batch 1 x 3 micro-batches, each micro-batch's summed loss divided by the
scored tokens of the whole step), a linear warmup of 2 steps then cosine decay to 0 (hone's
LrSchedule, transformers' get_cosine_schedule_with_warmup), global-norm clipping at 0.5 and
torch.optim.AdamW with weight decay 0.01 on every LoRA tensor. A and B start from the random
values stored here ("init.*"; B non-zero so A trains from the first step): the C++ test writes
them into the trainer's adapters before running it. Goldens: loss, grad_norm (before clipping)
and lr of every step, and every adapter tensor at the end ("final.*").

Run: /usr/bin/python3 tests/reference/golden_train_lora.py
"""
import json
import math
import os

import torch

from golden_common import save_golden, seeded
from golden_models import BASE, MODELS_DIR, VARIANTS, Reference

RANK, ALPHA, STEPS, WARMUP, LR, CLIP, DECAY = 4, 8.0, 8, 2, 5e-3, 0.5, 0.01
TARGETS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj",
           "mlp.up_proj", "mlp.down_proj")


class LoraReference(Reference):
    """PEFT's LoraLayer.forward without dropout: base(x) + (alpha / r) * lora_B(lora_A(x))."""

    def __init__(self, cfg, seed, adapters):
        super().__init__(cfg, seed)
        for p in self.params.values():
            p.requires_grad_(False)
        self.adapters = adapters

    def lin(self, name, x):
        y = super().lin(name, x)
        if name + ".lora_A.weight" not in self.adapters:
            return y
        a, b = self.adapters[name + ".lora_A.weight"], self.adapters[name + ".lora_B.weight"]
        return y + (ALPHA / RANK) * ((x @ a.T) @ b.T)


def lr_at(step):
    if step < WARMUP:
        return LR * step / max(1, WARMUP)
    progress = (step - WARMUP) / max(1, STEPS - WARMUP)
    return LR * max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def main():
    cfg = dict(BASE, **VARIANTS["llama_gqa"])
    g = seeded(31)
    adapters = {}
    probe = Reference(cfg, 100)
    for i in range(cfg["num_hidden_layers"]):
        for target in TARGETS:
            name = f"model.layers.{i}.{target}"
            out_features, in_features = probe.params[name + ".weight"].shape
            adapters[name + ".lora_A.weight"] = torch.nn.Parameter(torch.randn(RANK, in_features, generator=g) * 0.2)
            adapters[name + ".lora_B.weight"] = torch.nn.Parameter(torch.randn(out_features, RANK, generator=g) * 0.05)
    golden = {"init." + k: v.detach().clone() for k, v in adapters.items()}
    model = LoraReference(cfg, 100, adapters)  # the weights of tests/data/models/llama_gqa

    with open(os.path.join(os.path.dirname(MODELS_DIR), "train", "full_ft.jsonl")) as f:
        examples = [json.loads(line) for line in f]
    scored = sum(sum(1 for label in e["labels"][1:] if label != -100) for e in examples)
    params = list(adapters.values())
    opt = torch.optim.AdamW(params, lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=DECAY)
    losses, norms, lrs = [], [], []
    for step in range(STEPS):
        opt.zero_grad()
        total = 0.0
        for e in examples:  # one step = one pass over the 3 examples (their order changes nothing)
            ids = torch.tensor([e["input_ids"]])
            labels = torch.tensor(e["labels"])
            logits = model(ids)[0]
            loss = torch.nn.functional.cross_entropy(logits[:-1], labels[1:], ignore_index=-100, reduction="sum")
            (loss / scored).backward()
            total += float(loss)
        norms.append(float(torch.nn.utils.clip_grad_norm_(params, CLIP)))
        lr = lr_at(step)
        for group in opt.param_groups:
            group["lr"] = lr
        opt.step()
        losses.append(total / scored)
        lrs.append(lr)
    golden["loss"] = torch.tensor(losses, dtype=torch.float64)
    golden["grad_norm"] = torch.tensor(norms, dtype=torch.float64)
    golden["lr"] = torch.tensor(lrs, dtype=torch.float64)
    for k, v in adapters.items():
        golden["final." + k] = v.detach()
    print(save_golden("train_lora_llama_gqa", golden))


if __name__ == "__main__":
    main()
