"""Independent reference for ggml's block formats (Q8_0, Q4_0, Q4_K, Q6_K): writes
tests/golden/quant_blocks.safetensors.

Dequantization: random blocks (random bytes, with the fp16 scale fields set to ordinary values)
are decoded with the formulas of ../shared/reference/gguf-and-llama-cpp.md §3, in float32 as ggml
computes them. Quantization: ggml's reference rounding for Q8_0 and Q4_0 (quantize_row_*_ref),
emulated step by step in float32. Block bytes are stored as one I32 per byte.
Run with Debian's python3-torch: /usr/bin/python3 tests/reference/golden_quant.py
"""
import numpy as np
import torch

from golden_common import save_golden

F32 = np.float32


def f16_field(rng, count, lo=1e-3, hi=2.0):
    """count fp16 values with random sign and magnitude in [lo, hi), as little-endian bytes."""
    mag = np.exp(rng.uniform(np.log(lo), np.log(hi), count))
    sign = rng.choice([-1.0, 1.0], count)
    return (mag * sign).astype(np.float16)


def as_f32(h):
    return h.astype(np.float32)


def random_blocks(rng, n_blocks, block_bytes):
    return rng.integers(0, 256, size=(n_blocks, block_bytes), dtype=np.uint8)


def put_f16(blocks, offset, values):
    blocks[:, offset:offset + 2] = values.view(np.uint8).reshape(-1, 2)


# --- dequantization -----------------------------------------------------------------------------

def dequant_q8_0(blocks):
    d = as_f32(blocks[:, 0:2].copy().view(np.float16)[:, 0])
    qs = blocks[:, 2:34].view(np.int8).astype(F32)
    return (qs * d[:, None]).astype(F32).reshape(-1)


def dequant_q4_0(blocks):
    d = as_f32(blocks[:, 0:2].copy().view(np.float16)[:, 0])
    qs = blocks[:, 2:18].astype(np.int32)
    lo = ((qs & 0x0F) - 8).astype(F32) * d[:, None]
    hi = ((qs >> 4) - 8).astype(F32) * d[:, None]
    return np.concatenate([lo, hi], axis=1).astype(F32).reshape(-1)


def scale_min_k4(j, q):
    if j < 4:
        return q[j] & 63, q[j + 4] & 63
    return (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)


def dequant_q4_k(blocks):
    out = []
    for b in blocks:
        d = F32(b[0:2].copy().view(np.float16)[0])
        dmin = F32(b[2:4].copy().view(np.float16)[0])
        packed = [int(v) for v in b[4:16]]
        qs = b[16:144].astype(np.int32)
        y = np.zeros(256, dtype=F32)
        for sub in range(8):
            sc, m = scale_min_k4(sub, packed)
            scale = F32(d * F32(sc))
            offset = F32(dmin * F32(m))
            chunk = qs[32 * (sub // 2): 32 * (sub // 2) + 32]
            q = (chunk & 0xF) if sub % 2 == 0 else (chunk >> 4)
            y[32 * sub: 32 * sub + 32] = (scale * q.astype(F32)).astype(F32) - offset
        out.append(y)
    return np.concatenate(out).astype(F32)


def dequant_q6_k(blocks):
    out = []
    for b in blocks:
        ql = b[0:128].astype(np.int32)
        qh = b[128:192].astype(np.int32)
        sc = b[192:208].view(np.int8).astype(F32)
        d = F32(b[208:210].copy().view(np.float16)[0])
        y = np.zeros(256, dtype=F32)
        # Weight e: half h = e // 128, r = e % 128, quarter = r // 32, l = r % 32.
        for e in range(256):
            h, r = divmod(e, 128)
            quarter, l = divmod(r, 32)
            low_byte = ql[64 * h + l + (32 if quarter in (1, 3) else 0)]
            low = (low_byte & 0xF) if quarter < 2 else (low_byte >> 4)
            high = (qh[32 * h + l] >> (2 * quarter)) & 3
            q = (low | (high << 4)) - 32
            y[e] = F32(F32(d * sc[e // 16]) * F32(q))
        out.append(y)
    return np.concatenate(out).astype(F32)


# --- ggml's reference quantizers, emulated in float32 ------------------------------------------

def round_half_away(v):
    """roundf on float32 values (computed in float64, where |v| + 0.5 is exact)."""
    v = v.astype(np.float64)
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def quant_q8_0_ref(x):
    blocks = []
    for xb in x.reshape(-1, 32):
        amax = F32(np.max(np.abs(xb)))
        d = F32(amax / F32(127))
        inv = F32(F32(1) / d) if d != 0 else F32(0)
        q = round_half_away((xb * inv).astype(F32)).astype(np.int8)
        blocks.append(np.concatenate([np.array([d], dtype=np.float16).view(np.uint8), q.view(np.uint8)]))
    return np.stack(blocks)


def quant_q4_0_ref(x):
    blocks = []
    for xb in x.reshape(-1, 32):
        amax, mx = F32(0), F32(0)
        for v in xb:  # first strict maximum of |x| keeps its sign
            if amax < abs(v):
                amax, mx = F32(abs(v)), F32(v)
        d = F32(mx / F32(-8))
        inv = F32(F32(1) / d) if d != 0 else F32(0)
        shifted = ((xb * inv).astype(F32) + F32(8.5)).astype(F32)
        q = np.minimum(15, np.trunc(shifted).astype(np.int32)).astype(np.uint8)
        qs = q[:16] | (q[16:] << 4)
        blocks.append(np.concatenate([np.array([d], dtype=np.float16).view(np.uint8), qs]))
    return np.stack(blocks)


def quant_inputs(rng):
    """16 blocks of 32: gaussian blocks plus the cases where rounding rules matter."""
    blocks = [rng.normal(0, 1, 32).astype(F32) for _ in range(10)]
    blocks.append(np.zeros(32, dtype=F32))                       # all zero: d = 0, inverse 0
    tie = (np.arange(32, dtype=F32) - 16) * F32(0.25)             # many exact .5 ties after scaling
    blocks.append(tie)
    both = rng.normal(0, 0.1, 32).astype(F32)
    both[3], both[20] = F32(-1.5), F32(1.5)                       # equal |x|: the first one wins
    blocks.append(both)
    neg = rng.normal(0, 0.3, 32).astype(F32)
    neg[7] = F32(-4.0)                                            # negative extreme
    blocks.append(neg)
    blocks.append(rng.normal(0, 1e-3, 32).astype(F32))            # small scale
    blocks.append((rng.normal(0, 1, 32) * 300).astype(F32))       # large scale
    return np.concatenate(blocks).astype(F32)


def main():
    rng = np.random.default_rng(20240603)
    tensors = {}

    q8 = random_blocks(rng, 6, 34)
    put_f16(q8, 0, f16_field(rng, 6))
    q4 = random_blocks(rng, 6, 18)
    put_f16(q4, 0, f16_field(rng, 6))
    q4k = random_blocks(rng, 4, 144)
    put_f16(q4k, 0, f16_field(rng, 4, 1e-3, 0.1))
    put_f16(q4k, 2, f16_field(rng, 4, 1e-3, 0.1))
    q6k = random_blocks(rng, 4, 210)
    put_f16(q6k, 208, f16_field(rng, 4, 1e-4, 0.05))
    for name, blocks, fn in [("q8_0", q8, dequant_q8_0), ("q4_0", q4, dequant_q4_0),
                             ("q4_k", q4k, dequant_q4_k), ("q6_k", q6k, dequant_q6_k)]:
        tensors[name + "_blocks"] = torch.from_numpy(blocks.reshape(-1).astype(np.int32))
        tensors[name + "_values"] = torch.from_numpy(fn(blocks))

    x = quant_inputs(rng)
    tensors["quant_input"] = torch.from_numpy(x)
    tensors["q8_0_quantized"] = torch.from_numpy(quant_q8_0_ref(x).reshape(-1).astype(np.int32))
    tensors["q4_0_quantized"] = torch.from_numpy(quant_q4_0_ref(x).reshape(-1).astype(np.int32))
    print(save_golden("quant_blocks", tensors))


if __name__ == "__main__":
    main()
