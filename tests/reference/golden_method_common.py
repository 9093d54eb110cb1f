"""What the goldens of the small registered methods (golden_bitfit.py, golden_ln_tuning.py) share:
the llama_gqa reference model, the batch the logits and gradients are taken on, the padded batch
of tests/data/train/full_ft.jsonl that hone's trainer sees, a 10-step AdamW trajectory over
the method's tensors, and writing a PEFT-style adapter folder into tests/data/peft/."""
import json
import os

import torch

import golden_lora
import golden_models
from golden_common import seeded

PREFIX = "base_model.model."
CFG = dict(golden_models.BASE, **golden_models.VARIANTS["llama_gqa"])
MODEL_SEED = 100  # the seed golden_models.py built tests/data/models/llama_gqa with
STEPS = 10
ADAM = dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)  # 1-D tensors: never decayed


def base_model():
    return golden_models.Reference(CFG, MODEL_SEED)


def probe_batch():
    """The ids and labels the logits and gradient goldens use (as golden_lora.py)."""
    ids = torch.randint(0, 96, (2, 9), generator=seeded(11))
    labels = ids.clone()
    labels[0, :2] = -100
    labels[1, 6] = -100
    return ids, labels


def loss_of(logits, labels):
    return golden_lora.loss_of(logits, labels, CFG["vocab_size"])


def train_batch():
    """tests/data/train/full_ft.jsonl right-padded into one batch, as the trainer batches it."""
    path = os.path.join(golden_models.MODELS_DIR, "..", "train", "full_ft.jsonl")
    rows = [json.loads(line) for line in open(path)]
    T = max(len(r["input_ids"]) for r in rows)
    ids = torch.zeros((len(rows), T), dtype=torch.int64)
    labels = torch.full((len(rows), T), -100, dtype=torch.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r["input_ids"])] = torch.tensor(r["input_ids"])
        labels[i, : len(r["labels"])] = torch.tensor(r["labels"])
    return ids, labels


def probe(model, params, out):
    """Logits, loss and the gradient of every trainable tensor on the probe batch into `out`."""
    ids, labels = probe_batch()
    logits = model(ids)
    loss = loss_of(logits, labels)
    loss.backward()
    out.update({"ids": ids.to(torch.int32), "labels": labels.to(torch.int32), "logits": logits.detach(),
                "loss": loss.detach().reshape(1)})
    for key, p in params.items():
        out["grad." + key] = p.grad.clone()
        p.grad = None


def trajectory(model, params, out):
    """10 AdamW steps through the trainer's batch with global-norm clipping at 1.0."""
    ids, labels = train_batch()
    opt = torch.optim.AdamW(list(params.values()), **ADAM)
    losses, norms = [], []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_of(model(ids), labels)
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)))
        opt.step()
        losses.append(float(loss))
    out["trajectory.loss"] = torch.tensor(losses, dtype=torch.float64)
    out["trajectory.grad_norm"] = torch.tensor(norms, dtype=torch.float64)
    for key, p in params.items():
        out["trained." + key] = p.detach().clone()


def write_folder(name, config, tensors):
    folder = os.path.join(golden_lora.PEFT_DIR, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "adapter_config.json"), "w") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True))
    golden_models.write_safetensors(os.path.join(folder, "adapter_model.safetensors"), tensors)
