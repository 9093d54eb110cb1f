"""Goldens for the transformer ops: tests/golden/transformer_<op>.safetensors.

Same conventions as golden_ops_basic.py: inputs are drawn in f32, the op runs in float64 on
those exact values, and each case "<case>" holds <case>.<input>, <case>.out, <case>.R and
<case>.grad_<input> (the gradient of sum(out * R)). Integer inputs are stored as i32.

The code mirrors Hugging Face transformers (LlamaRMSNorm, LlamaRotaryEmbedding with
_compute_default / _linear_scaling / _llama3_parameters, apply_rotary_pos_emb, repeat_kv,
eager_attention_forward, LlamaMLP, LlamaDecoderLayer) without importing it: cos/sin tables are
formed in f32 exactly as transformers forms them, then used at the compute precision. The
interleaved (GGUF / Meta) RoPE layout is written directly as the complex rotation
x[2i] + i x[2i+1] -> (x[2i] + i x[2i+1]) * exp(i pos inv_freq[i]).

Run: /usr/bin/python3 tests/reference/golden_ops_transformer.py
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_common import case, f32, randn, save_golden  # noqa: E402



# ---------------------------------------------------------------- norms

def llama_rms_norm(x, weight, eps):
    """LlamaRMSNorm.forward (the f32 upcast is a no-op here: we already compute in f64)."""
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


# ---------------------------------------------------------------- rotary embeddings

def inv_freq_default(theta, dim):
    return 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))


def inv_freq_linear(theta, dim, factor):
    inv_freq = inv_freq_default(theta, dim)
    inv_freq /= factor
    return inv_freq


def inv_freq_llama3(theta, dim, factor, low_freq_factor, high_freq_factor, old_context_len):
    inv_freq = inv_freq_default(theta, dim)
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)


def rope_angles(inv_freq, position_ids):
    """LlamaRotaryEmbedding.forward up to emb: f32 freqs [B, T, dim/2] for position_ids [B, T]."""
    inv_freq_expanded = inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
    position_ids_expanded = position_ids[:, None, :].float()
    return (inv_freq_expanded @ position_ids_expanded).transpose(1, 2)


def rope_cos_sin(inv_freq, position_ids):
    freqs = rope_angles(inv_freq, position_ids)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(x, cos, sin, unsqueeze_dim=1):
    """transformers' apply_rotary_pos_emb for one tensor: x [B, H, T, Dh], cos/sin [B, T, Dh]."""
    cos = cos.unsqueeze(unsqueeze_dim).to(x.dtype)
    sin = sin.unsqueeze(unsqueeze_dim).to(x.dtype)
    return (x * cos) + (rotate_half(x) * sin)


def as_batch_positions(positions, batch):
    return positions.long().expand(batch, -1) if positions.dim() == 1 else positions.long()


def rope_rotate_half(x, positions, inv_freq):
    """x [B, T, H, Dh] in hone's layout; transformers works on [B, H, T, Dh]."""
    cos, sin = rope_cos_sin(inv_freq, as_batch_positions(positions, x.shape[0]))
    return apply_rotary_pos_emb(x.transpose(1, 2), cos, sin).transpose(1, 2)


def rope_interleaved(x, positions, inv_freq):
    """Pairs (2i, 2i+1) rotated as complex numbers (Meta's reference / llama.cpp's layout)."""
    angles = rope_angles(inv_freq, as_batch_positions(positions, x.shape[0])).double()  # [B, T, Dh/2]
    rotation = torch.polar(torch.ones_like(angles), angles)[:, :, None, :]
    xc = torch.view_as_complex(x.reshape(*x.shape[:-1], -1, 2).contiguous())
    return torch.view_as_real(xc * rotation).reshape(x.shape)


# ---------------------------------------------------------------- attention

def repeat_kv(hidden_states, n_rep):
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


def causal_keep(q_len, kv_len):
    """Query i sits at position kv_len - q_len + i (a KV cache holds the earlier ones)."""
    i = torch.arange(q_len)[:, None] + (kv_len - q_len)
    j = torch.arange(kv_len)[None, :]
    return j <= i


def additive(keep, dtype):
    return torch.zeros(keep.shape, dtype=dtype).masked_fill(~keep, torch.finfo(dtype).min)


def eager_attention(q, k, v, mask=None):
    """eager_attention_forward on hone's layout: q [B, T, Hq, Dh], k/v [B, S, Hkv, Dh];
    mask is additive, [B, T, S] or [T, S]."""
    q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
    n_rep = q.shape[1] // k.shape[1]
    key_states, value_states = repeat_kv(k, n_rep), repeat_kv(v, n_rep)
    scaling = q.shape[-1] ** -0.5
    attn_weights = torch.matmul(q, key_states.transpose(2, 3)) * scaling
    if mask is not None:
        attn_weights = attn_weights + (mask[:, None] if mask.dim() == 3 else mask)
    attn_weights = F.softmax(attn_weights, dim=-1, dtype=torch.float32 if q.dtype == torch.float32 else q.dtype)
    return torch.matmul(attn_weights, value_states).transpose(1, 2).contiguous()


def segment_keep(segment_ids, q_len):
    """Block-diagonal: query i (position S - T + i) sees keys of its own segment. [B, T, S]."""
    kv_len = segment_ids.shape[1]
    query_segments = segment_ids[:, kv_len - q_len:]
    return query_segments[:, :, None] == segment_ids[:, None, :]


# ---------------------------------------------------------------- decoder block

def llama_decoder_layer(hidden_states, position_ids, p, n_heads, n_kv_heads, head_dim, eps, inv_freq):
    """LlamaDecoderLayer.forward (eager attention, causal mask, no cache) on [B, T, hidden]."""
    B, T, _ = hidden_states.shape
    residual = hidden_states
    h = llama_rms_norm(hidden_states, p["input_layernorm.weight"], eps)
    q = F.linear(h, p["self_attn.q_proj.weight"]).view(B, T, n_heads, head_dim).transpose(1, 2)
    k = F.linear(h, p["self_attn.k_proj.weight"]).view(B, T, n_kv_heads, head_dim).transpose(1, 2)
    v = F.linear(h, p["self_attn.v_proj.weight"]).view(B, T, n_kv_heads, head_dim).transpose(1, 2)
    cos, sin = rope_cos_sin(inv_freq, position_ids)
    q, k = apply_rotary_pos_emb(q, cos, sin), apply_rotary_pos_emb(k, cos, sin)
    mask = additive(causal_keep(T, T), h.dtype)
    attn = eager_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), mask)
    attn = F.linear(attn.reshape(B, T, n_heads * head_dim), p["self_attn.o_proj.weight"])
    hidden_states = residual + attn
    residual = hidden_states
    h = llama_rms_norm(hidden_states, p["post_attention_layernorm.weight"], eps)
    mlp = F.linear(F.silu(F.linear(h, p["mlp.gate_proj.weight"])) * F.linear(h, p["mlp.up_proj.weight"]),
                   p["mlp.down_proj.weight"])
    return residual + mlp


def main():
    files = {}

    d = files.setdefault("rms_norm", {})
    case(d, "hidden32", lambda x, weight: llama_rms_norm(x, weight, 1e-6),
         {"x": f32([2, 5, 32], 1), "weight": 1.0 + f32([32], 2, 0.2)}, 1)
    case(d, "small_values", lambda x, weight: llama_rms_norm(x, weight, 1e-5),
         {"x": f32([3, 16], 3, 1e-2), "weight": f32([16], 4)}, 2)

    d = files.setdefault("layer_norm", {})
    case(d, "affine", lambda x, weight, bias: F.layer_norm(x, (24,), weight, bias, 1e-5),
         {"x": f32([3, 4, 24], 5, 2.0) + 3.0, "weight": 1.0 + f32([24], 6, 0.2), "bias": f32([24], 7, 0.2)}, 3)
    case(d, "plain", lambda x: F.layer_norm(x, (16,), None, None, 1e-5), {"x": f32([5, 16], 8)}, 4)

    d = files.setdefault("rope", {})
    llama3 = dict(factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0, old_context_len=8192)
    inv_default = inv_freq_default(10000.0, 16)
    inv_linear = inv_freq_linear(10000.0, 16, 4.0)
    inv_llama3 = inv_freq_llama3(500000.0, 16, **llama3)
    offset = torch.arange(3, 8, dtype=torch.int32)  # a decoding step after 3 cached tokens
    far = torch.arange(8185, 8190, dtype=torch.int32)  # beyond the original context: llama3's regime
    per_row = torch.tensor([[0, 1, 2, 0, 1], [0, 1, 2, 3, 4]], dtype=torch.int32)  # packed rows
    x = f32([2, 5, 3, 16], 10)
    for layout, fn in (("half", rope_rotate_half), ("interleaved", rope_interleaved)):
        case(d, f"{layout}_default_offset", lambda x, positions: fn(x, positions, inv_default),
             {"x": x, "positions": offset}, 10)
        case(d, f"{layout}_linear_per_row", lambda x, positions: fn(x, positions, inv_linear),
             {"x": x, "positions": per_row}, 11)
        case(d, f"{layout}_llama3_far", lambda x, positions: fn(x, positions, inv_llama3),
             {"x": x, "positions": far}, 12)
    d["inv_freq_llama3"] = inv_llama3  # transformers' _compute_llama3_parameters, f32

    d = files.setdefault("attention", {})
    case(d, "mha_causal", lambda q, k, v: eager_attention(q, k, v, additive(causal_keep(5, 5), q.dtype)),
         {"q": f32([2, 5, 4, 8], 20), "k": f32([2, 5, 4, 8], 21), "v": f32([2, 5, 4, 8], 22)}, 20)
    case(d, "gqa_causal", lambda q, k, v: eager_attention(q, k, v, additive(causal_keep(5, 5), q.dtype)),
         {"q": f32([2, 5, 6, 8], 23), "k": f32([2, 5, 2, 8], 24), "v": f32([2, 5, 2, 8], 25)}, 21)
    case(d, "kv_cache_causal", lambda q, k, v: eager_attention(q, k, v, additive(causal_keep(3, 7), q.dtype)),
         {"q": f32([2, 3, 4, 8], 26), "k": f32([2, 7, 2, 8], 27), "v": f32([2, 7, 2, 8], 28)}, 22)
    segments = torch.tensor([[0, 0, 0, 1, 1, 1, 1, 2], [0, 0, 0, 0, 0, 1, 1, 1]], dtype=torch.int32)
    packed_keep = segment_keep(segments, 8) & causal_keep(8, 8)
    case(d, "packed_block_diagonal",
         lambda q, k, v, segment_ids, mask: eager_attention(q, k, v, additive(mask.bool(), q.dtype)),
         {"q": f32([2, 8, 4, 8], 29), "k": f32([2, 8, 2, 8], 30), "v": f32([2, 8, 2, 8], 31),
          "segment_ids": segments, "mask": packed_keep.to(torch.int32)}, 23)
    case(d, "additive_bias", lambda q, k, v, mask: eager_attention(q, k, v, mask),
         {"q": f32([2, 4, 2, 8], 32), "k": f32([2, 6, 1, 8], 33), "v": f32([2, 6, 1, 8], 34),
          "mask": f32([2, 4, 6], 35)}, 24)

    d = files.setdefault("decoder_block", {})
    hidden, n_heads, n_kv, head_dim, inter, eps = 32, 4, 2, 8, 48, 1e-5
    params = {
        "input_layernorm.weight": 1.0 + f32([hidden], 40, 0.1),
        "self_attn.q_proj.weight": f32([n_heads * head_dim, hidden], 41, hidden ** -0.5),
        "self_attn.k_proj.weight": f32([n_kv * head_dim, hidden], 42, hidden ** -0.5),
        "self_attn.v_proj.weight": f32([n_kv * head_dim, hidden], 43, hidden ** -0.5),
        "self_attn.o_proj.weight": f32([hidden, n_heads * head_dim], 44, hidden ** -0.5),
        "post_attention_layernorm.weight": 1.0 + f32([hidden], 45, 0.1),
        "mlp.gate_proj.weight": f32([inter, hidden], 46, hidden ** -0.5),
        "mlp.up_proj.weight": f32([inter, hidden], 47, hidden ** -0.5),
        "mlp.down_proj.weight": f32([hidden, inter], 48, inter ** -0.5),
    }
    position_ids = torch.tensor([[0, 1, 2, 3, 4], [3, 4, 5, 6, 7]], dtype=torch.int32)
    inv_block = inv_freq_default(10000.0, head_dim)

    def block(hidden_states, position_ids, **p):
        return llama_decoder_layer(hidden_states, position_ids.long(), p, n_heads, n_kv, head_dim, eps, inv_block)

    case(d, "llama", block, {"hidden_states": f32([2, 5, hidden], 49), "position_ids": position_ids, **params}, 25)

    for name, tensors in files.items():
        print(save_golden(f"transformer_{name}", tensors))


if __name__ == "__main__":
    main()
