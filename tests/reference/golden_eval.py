"""Golden for `hone eval` and evaluate_loss: the mean next-token negative log-likelihood over every
scored token of a small pre-tokenized JSONL file (tests/data/eval/tokens.jsonl), each record its own
sequence, labels shifted by one as in Hugging Face (-100 not scored; labels default to input_ids),
for model variants of tests/data/models computed with golden_models.py's PyTorch mirror.

Run: /usr/bin/python3 tests/reference/golden_eval.py
"""
import json
import os
import struct

import torch

from golden_common import save_golden
from golden_models import BASE, MODELS_DIR, VARIANTS, Reference

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "eval", "tokens.jsonl")


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        begin, end = info["data_offsets"]
        data = bytearray(raw[8 + n + begin:8 + n + end])
        out[name] = torch.frombuffer(data, dtype=torch.float32).reshape(info["shape"]).clone()
    return out


def main():
    records = [json.loads(line) for line in open(DATA) if line.strip()]
    for name in ("llama_gqa", "qwen2"):
        cfg = dict(BASE, **VARIANTS[name])
        model = Reference(cfg, 0)
        model.params = read_safetensors(os.path.join(MODELS_DIR, name, "model.safetensors"))
        total, tokens = torch.zeros((), dtype=torch.float64), 0
        with torch.no_grad():
            for r in records:
                ids = torch.tensor([r["input_ids"]])
                labels = torch.tensor([r.get("labels", r["input_ids"])])
                logits = model(ids)[0, :-1]
                target = labels[0, 1:]
                nll = torch.nn.functional.cross_entropy(logits, target, ignore_index=-100, reduction="sum")
                total += nll.double()
                tokens += int((target != -100).sum())
        loss = total / tokens
        save_golden("eval_" + name, {"loss": loss.reshape(1), "perplexity": loss.exp().reshape(1),
                                     "tokens": torch.tensor([tokens], dtype=torch.int32)})
        print(name, float(loss), tokens)


if __name__ == "__main__":
    main()
