"""Shared helpers for the PyTorch reference scripts that write tests/golden/*.safetensors.

Each script in this folder builds small inputs with a fixed seed, runs the PyTorch op (or a
module that mirrors Hugging Face's modeling code), and saves inputs, outputs and gradients with
save_golden(). Run with Debian's python3-torch: /usr/bin/python3 tests/reference/<script>.py
CI never needs PyTorch: the files it writes are committed.
"""
import json
import os
import struct

import torch

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden")

_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
           torch.int32: "I32", torch.int64: "I64"}


def save_golden(name, tensors, metadata=None):
    """Writes tensors (a dict name -> torch.Tensor) to tests/golden/<name>.safetensors.

    Written by hand (not with the safetensors package, which Debian 12 lacks) in the exact
    format: 8-byte little-endian header length, JSON header, raw little-endian data.
    """
    header = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    blobs, offset = [], 0
    for key, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        header[key] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - (8 + len(text)) % 8) % 8)
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    path = os.path.join(GOLDEN_DIR, name + ".safetensors")
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode())
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)
    return path


def seeded(seed):
    """A torch.Generator with a fixed seed, for reproducible inputs."""
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def randn(shape, seed, dtype=torch.float32, scale=1.0):
    return (torch.randn(*shape, generator=seeded(seed), dtype=torch.float64) * scale).to(dtype)


def f32(shape, seed, scale=1.0):
    """A random f32 input: what hone's f32 path sees."""
    return randn(shape, seed, torch.float32, scale)


def case(out_dict, name, fn, inputs, seed):
    """Runs fn(**inputs) in float64 on the inputs' exact values and records, under "<name>.":
    each input, "out", a fixed random "R" and "grad_<input>" = d(sum(out * R))/d(input) for every
    float input (the layout tests/support/golden_op_case.h reads)."""
    args = {}
    for key, value in inputs.items():
        if value.dtype == torch.float32:
            args[key] = value.double().requires_grad_(True)
        else:
            args[key] = value
        out_dict[f"{name}.{key}"] = value
    out = fn(**args)
    if out.dim() == 0:
        out = out.reshape(1)
    r = randn(out.shape, seed + 1000, torch.float64)
    (out * r).sum().backward()
    out_dict[f"{name}.out"] = out.detach().float()
    out_dict[f"{name}.R"] = r.float()
    for key, value in args.items():
        if value.dtype == torch.float64 and value.requires_grad:
            out_dict[f"{name}.grad_{key}"] = value.grad.float()
