"""Goldens for the basic differentiable ops: tests/golden/basic_<op>.safetensors.

For each case, inputs are drawn in f32 (what hone's f32 path sees), the op runs in float64 on
those exact values, and the file holds the inputs, the output, a fixed random R and the
gradient of sum(out * R) for every float input. Keys are "<case>.<name>": <case>.out,
<case>.R, <case>.<input>, <case>.grad_<input>. Integer inputs (ids, labels) are stored as i32.

Run: /usr/bin/python3 tests/reference/golden_ops_basic.py
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_common import case, f32, randn, save_golden, seeded  # noqa: E402



def ids(shape, high, seed):
    return torch.randint(0, high, shape, generator=seeded(seed), dtype=torch.int64).to(torch.int32)


def main():
    files = {}

    d = files.setdefault("add", {})
    case(d, "same", lambda a, b: a + b, {"a": f32([3, 4], 1), "b": f32([3, 4], 2)}, 1)
    case(d, "bias", lambda a, b: a + b, {"a": f32([2, 3, 4], 3), "b": f32([4], 4)}, 2)
    case(d, "trailing", lambda a, b: a + b, {"a": f32([2, 3, 4], 5), "b": f32([3, 4], 6)}, 3)
    case(d, "scalar", lambda a, b: a + b, {"a": f32([2, 3], 7), "b": f32([1], 8)}, 4)

    d = files.setdefault("sub", {})
    case(d, "same", lambda a, b: a - b, {"a": f32([3, 4], 9), "b": f32([3, 4], 10)}, 5)
    case(d, "bias", lambda a, b: a - b, {"a": f32([2, 3, 4], 11), "b": f32([4], 12)}, 6)

    d = files.setdefault("mul", {})
    case(d, "same", lambda a, b: a * b, {"a": f32([3, 4], 13), "b": f32([3, 4], 14)}, 7)
    case(d, "bias", lambda a, b: a * b, {"a": f32([2, 3, 4], 15), "b": f32([4], 16)}, 8)
    case(d, "scalar", lambda a, b: a * b, {"a": f32([2, 3], 17), "b": f32([1], 18)}, 9)

    d = files.setdefault("scale", {})
    case(d, "neg", lambda a: a * -2.5, {"a": f32([3, 5], 19)}, 10)

    d = files.setdefault("exp", {})
    case(d, "x", lambda a: torch.exp(a), {"a": f32([3, 5], 20)}, 11)

    d = files.setdefault("silu", {})
    case(d, "x", lambda a: F.silu(a), {"a": f32([4, 6], 21, 3.0)}, 12)

    d = files.setdefault("gelu_tanh", {})
    case(d, "x", lambda a: F.gelu(a, approximate="tanh"), {"a": f32([4, 6], 22, 3.0)}, 13)

    d = files.setdefault("matmul", {})
    for ta in (False, True):
        for tb in (False, True):
            tag = ("t" if ta else "n") + ("t" if tb else "n")
            a = f32([4, 3] if ta else [3, 4], 30 + 2 * ta + tb)
            b = f32([5, 4] if tb else [4, 5], 40 + 2 * ta + tb)
            fn = lambda a, b, ta=ta, tb=tb: (a.mT if ta else a) @ (b.mT if tb else b)
            case(d, tag, fn, {"a": a, "b": b}, 20 + 2 * ta + tb)
            a = f32([2, 3, 4, 3] if ta else [2, 3, 3, 4], 50 + 2 * ta + tb)
            b = f32([2, 3, 5, 4] if tb else [2, 3, 4, 5], 60 + 2 * ta + tb)
            case(d, "batched_" + tag, fn, {"a": a, "b": b}, 30 + 2 * ta + tb)
    case(d, "shared_nn", lambda a, b: a @ b, {"a": f32([2, 3, 4], 70), "b": f32([4, 5], 71)}, 40)
    case(d, "shared_nt", lambda a, b: a @ b.mT, {"a": f32([2, 3, 4], 72), "b": f32([5, 4], 73)}, 41)

    d = files.setdefault("linear", {})
    case(d, "bias", F.linear, {"input": f32([2, 3, 4], 80), "weight": f32([5, 4], 81), "bias": f32([5], 82)}, 50)
    case(d, "nobias", F.linear, {"input": f32([3, 4], 83), "weight": f32([6, 4], 84)}, 51)

    d = files.setdefault("sum", {})
    case(d, "all", lambda a: a.sum(), {"a": f32([2, 3, 4], 90)}, 60)
    case(d, "last", lambda a: a.sum(-1), {"a": f32([2, 3, 4], 91)}, 61)
    case(d, "last_keepdim", lambda a: a.sum(-1, keepdim=True), {"a": f32([3, 5], 92)}, 62)

    d = files.setdefault("mean", {})
    case(d, "all", lambda a: a.mean(), {"a": f32([2, 3, 4], 93)}, 63)
    case(d, "last", lambda a: a.mean(-1), {"a": f32([2, 3, 4], 94)}, 64)

    d = files.setdefault("max", {})
    case(d, "last", lambda a: a.max(-1).values, {"a": f32([2, 3, 7], 95)}, 65)

    d = files.setdefault("softmax", {})
    case(d, "x", lambda a: torch.softmax(a, -1), {"a": f32([2, 3, 7], 100, 3.0)}, 70)
    case(d, "large", lambda a: torch.softmax(a, -1), {"a": f32([2, 5], 101, 3.0) + 500.0}, 71)

    d = files.setdefault("log_softmax", {})
    case(d, "x", lambda a: torch.log_softmax(a, -1), {"a": f32([2, 3, 7], 102, 3.0)}, 72)
    case(d, "large", lambda a: torch.log_softmax(a, -1), {"a": f32([2, 5], 103, 3.0) - 500.0}, 73)

    d = files.setdefault("embedding", {})
    rep = torch.tensor([[0, 4, 4, 2], [1, 4, 0, 0]], dtype=torch.int32)
    case(d, "repeated", lambda weight, ids: F.embedding(ids.long(), weight), {"weight": f32([5, 3], 110), "ids": rep}, 80)
    case(d, "rank3", lambda weight, ids: F.embedding(ids.long(), weight),
         {"weight": f32([11, 4], 111), "ids": ids([2, 2, 3], 11, 112)}, 81)

    d = files.setdefault("cross_entropy", {})
    labels = ids([2, 6], 9, 120)
    labels[0, 1] = labels[1, 4] = labels[1, 5] = -100
    ce = lambda logits, labels, reduction: F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1).long(),
                                                           ignore_index=-100, reduction=reduction)
    case(d, "mean", lambda logits, labels: ce(logits, labels, "mean"), {"logits": f32([2, 6, 9], 121, 2.0), "labels": labels}, 90)
    case(d, "sum", lambda logits, labels: ce(logits, labels, "sum"), {"logits": f32([2, 6, 9], 122, 2.0), "labels": labels}, 91)

    d = files.setdefault("linear_cross_entropy", {})
    labels = ids([10], 13, 130)
    labels[2] = labels[7] = -100
    lce = lambda hidden, weight, labels, reduction: F.cross_entropy(F.linear(hidden, weight), labels.long(),
                                                                    ignore_index=-100, reduction=reduction)
    case(d, "mean", lambda hidden, weight, labels: lce(hidden, weight, labels, "mean"),
         {"hidden": f32([10, 6], 131), "weight": f32([13, 6], 132), "labels": labels}, 100)
    case(d, "sum", lambda hidden, weight, labels: lce(hidden, weight, labels, "sum"),
         {"hidden": f32([10, 6], 133), "weight": f32([13, 6], 134), "labels": labels}, 101)

    for op, tensors in files.items():
        path = save_golden("basic_" + op, tensors, {"script": "tests/reference/golden_ops_basic.py", "torch": torch.__version__})
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
