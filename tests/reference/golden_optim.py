"""Goldens for hone's optimizers, schedules and clipping: 10-step trajectories of
torch.optim.AdamW and torch.optim.SGD driven by a LambdaLR with transformers' warmup schedules and
torch.nn.utils.clip_grad_norm_.

Run: /usr/bin/python3 tests/reference/golden_optim.py   (writes tests/golden/optim_*.safetensors)
"""
import math

import torch

from golden_common import randn, save_golden

STEPS = 10


def transformers_lambda(kind, warmup, total):
    # The lambdas of transformers' get_{constant,linear,cosine}_schedule_with_warmup.
    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        if kind == "constant":
            return 1.0
        progress = float(step - warmup) / float(max(1, total - warmup))
        if kind == "linear":
            return max(0.0, 1.0 - progress)
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))
    return f


def trajectory(name, make_opt, schedule, peak_lr, max_norm):
    w = torch.nn.Parameter(randn((4, 3), 1))
    b = torch.nn.Parameter(randn((3,), 2))
    out = {"init.w": w.detach().clone(), "init.b": b.detach().clone()}
    opt = make_opt([{"params": [w], "weight_decay": 0.1}, {"params": [b], "weight_decay": 0.0}], peak_lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, transformers_lambda(schedule, 3, STEPS))
    lrs, norms = [], []
    for step in range(STEPS):
        gw = randn((4, 3), 100 + step, scale=2.0)
        gb = randn((3,), 200 + step, scale=2.0)
        w.grad, b.grad = gw.clone(), gb.clone()
        out[f"grad.{step}.w"], out[f"grad.{step}.b"] = gw, gb
        norms.append(float(torch.nn.utils.clip_grad_norm_([w, b], max_norm)))
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        out[f"param.{step}.w"] = w.detach().clone()
        out[f"param.{step}.b"] = b.detach().clone()
    out["lr"] = torch.tensor(lrs, dtype=torch.float64)
    out["grad_norm"] = torch.tensor(norms, dtype=torch.float64)
    save_golden(name, out, {"schedule": schedule, "peak_lr": peak_lr, "max_norm": max_norm, "warmup": 3,
                            "steps": STEPS})


if __name__ == "__main__":
    trajectory("optim_adamw_cosine",
               lambda groups, lr: torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8), "cosine", 1e-2, 1.0)
    trajectory("optim_adamw_linear",
               lambda groups, lr: torch.optim.AdamW(groups, lr=lr, betas=(0.8, 0.95), eps=1e-6), "linear", 3e-2, 100.0)
    trajectory("optim_sgd_momentum",
               lambda groups, lr: torch.optim.SGD(groups, lr=lr, momentum=0.9, dampening=0.1), "constant", 5e-2, 2.0)
    trajectory("optim_sgd_nesterov",
               lambda groups, lr: torch.optim.SGD(groups, lr=lr, momentum=0.9, nesterov=True), "cosine", 5e-2, 1.0)
