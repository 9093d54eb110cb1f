"""Reference decoder models for hone's model tests: small random Llama / Mistral / Qwen2 / Qwen3 / Gemma 3 variants
written as Hugging Face folders (config.json + model.safetensors) under tests/data/models/, and the
logits and losses a PyTorch mirror of transformers' modeling code computes for them, as goldens
in tests/golden/model_<variant>.safetensors.

The mirror follows transformers' LlamaForCausalLM (which Mistral and Qwen2 share up to options):
RMSNorm in f32, rotate-half RoPE with the default / linear / llama3 inverse frequencies,
repeat_kv for grouped-query heads, causal softmax attention in f32, SwiGLU MLP, tied or untied
lm_head, q/k/v bias (Qwen2, Llama attention_bias), Qwen3's per-head RMSNorm of q and k before
RoPE (q_norm / k_norm, as Qwen3Attention applies them), and the shifted cross-entropy with -100.
Gemma 3 (modeling_gemma3.py's Gemma3ForCausalLM): RMSNorm as x * (1 + w) in f32, q/k norms,
post-attention and pre/post-feedforward norms, GeGLU with tanh GELU, embeddings times
sqrt(hidden_size) (an f32 tensor), scores times query_pre_attn_scalar^-0.5, and sliding layers
(layer_types or every sliding_window_pattern-th layer full) masking keys i - j >= sliding_window,
rotated with rope_local_base_freq and no scaling; rope_scaling applies to the full layers.

Run: /usr/bin/python3 tests/reference/golden_models.py [VARIANT ...]
With variant names, only those are (re)written: model folders and inputs are reproducible bit for
bit, but logits and gradients move in the last bits with the machine's BLAS, so adding a variant
should not rewrite the goldens of the others.
"""
import json
import math
import os
import sys

import torch

from golden_common import GOLDEN_DIR, save_golden, seeded

MODELS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "models")


def inv_freq(cfg):
    dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    base = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    scaling = cfg.get("rope_scaling")
    if not scaling:
        return inv
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "linear":
        return inv / scaling["factor"]
    assert kind == "llama3"
    factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
    old_ctx = scaling["original_max_position_embeddings"]
    low_wavelen, high_wavelen = old_ctx / low, old_ctx / high
    wavelen = 2 * math.pi / inv
    inv_llama = torch.where(wavelen > low_wavelen, inv / factor, inv)
    smooth = (old_ctx / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * inv_llama / factor + smooth * inv_llama
    is_medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
    return torch.where(is_medium, smoothed, inv_llama)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rms_norm(x, w, eps):
    h = x.to(torch.float32)
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return w * h.to(x.dtype)


def gemma_rms_norm(x, w, eps):
    h = x.float()
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return (h * (1.0 + w.float())).type_as(x)


def is_gemma(cfg):
    return cfg["model_type"] == "gemma3_text"


def gemma_layer_types(cfg):
    if "layer_types" in cfg:
        return cfg["layer_types"]
    pattern = cfg.get("sliding_window_pattern", 6)
    return ["sliding_attention" if (i + 1) % pattern else "full_attention" for i in range(cfg["num_hidden_layers"])]


class Reference(torch.nn.Module):
    def __init__(self, cfg, seed):
        super().__init__()
        self.cfg = cfg
        d, v, f = cfg["hidden_size"], cfg["vocab_size"], cfg["intermediate_size"]
        h, kvh = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
        hd = cfg.get("head_dim") or d // h
        qkv_bias = cfg["model_type"] == "qwen2" or cfg.get("attention_bias", False)
        o_bias = cfg["model_type"] != "qwen2" and cfg.get("attention_bias", False)
        self.qk_norm = cfg["model_type"] in ("qwen3", "gemma3_text")
        self.gemma = is_gemma(cfg)
        # Gemma's norm weights act as 1 + w: random around 0 there, around 1 elsewhere.
        norm_centre = 0 if self.gemma else 1
        g = seeded(seed)
        P = {}

        def normal(*shape):
            return torch.randn(*shape, generator=g) * 0.1

        P["model.embed_tokens.weight"] = normal(v, d)
        for i in range(cfg["num_hidden_layers"]):
            p = f"model.layers.{i}."
            P[p + "self_attn.q_proj.weight"] = normal(h * hd, d)
            P[p + "self_attn.k_proj.weight"] = normal(kvh * hd, d)
            P[p + "self_attn.v_proj.weight"] = normal(kvh * hd, d)
            P[p + "self_attn.o_proj.weight"] = normal(d, h * hd)
            if qkv_bias:
                for n, size in (("q", h * hd), ("k", kvh * hd), ("v", kvh * hd)):
                    P[p + f"self_attn.{n}_proj.bias"] = normal(size)
            if o_bias:
                P[p + "self_attn.o_proj.bias"] = normal(d)
            if self.qk_norm:
                P[p + "self_attn.q_norm.weight"] = norm_centre + normal(hd)
                P[p + "self_attn.k_norm.weight"] = norm_centre + normal(hd)
            P[p + "mlp.gate_proj.weight"] = normal(f, d)
            P[p + "mlp.up_proj.weight"] = normal(f, d)
            P[p + "mlp.down_proj.weight"] = normal(d, f)
            P[p + "input_layernorm.weight"] = norm_centre + normal(d)
            P[p + "post_attention_layernorm.weight"] = norm_centre + normal(d)
            if self.gemma:
                P[p + "pre_feedforward_layernorm.weight"] = normal(d)
                P[p + "post_feedforward_layernorm.weight"] = normal(d)
        P["model.norm.weight"] = norm_centre + normal(d)
        if not cfg.get("tie_word_embeddings", False):
            P["lm_head.weight"] = normal(v, d)
        self.params = {k: torch.nn.Parameter(t) for k, t in P.items()}
        self.h, self.kvh, self.hd = h, kvh, hd

    def lin(self, name, x):
        y = x @ self.params[name + ".weight"].T
        b = self.params.get(name + ".bias")
        return y if b is None else y + b

    def forward(self, ids):
        cfg, P = self.cfg, self.params
        B, T = ids.shape
        x = P["model.embed_tokens.weight"][ids]
        if self.gemma:
            x = x * torch.tensor(cfg["hidden_size"] ** 0.5).to(x.dtype)
        norm = gemma_rms_norm if self.gemma else rms_norm
        pos = torch.arange(T)

        def rotary(inv):
            freqs = pos[:, None].float() @ inv[None, :]
            emb = torch.cat((freqs, freqs), dim=-1)
            return emb.cos()[None, None], emb.sin()[None, None]

        full_rope = rotary(inv_freq(cfg))
        mask = torch.full((T, T), torch.finfo(torch.float32).min).triu(1)
        layer_types = ["full_attention"] * cfg["num_hidden_layers"]
        scaling = 1 / math.sqrt(self.hd)
        if self.gemma:
            layer_types = gemma_layer_types(cfg)
            local_cfg = dict(cfg, rope_theta=cfg["rope_local_base_freq"], rope_scaling=None)
            sliding_rope = rotary(inv_freq(local_cfg))
            i_idx, j_idx = torch.arange(T)[:, None], torch.arange(T)[None, :]
            sliding_mask = mask.masked_fill(i_idx - j_idx >= cfg["sliding_window"], torch.finfo(torch.float32).min)
            scaling = cfg["query_pre_attn_scalar"] ** -0.5
        eps = cfg["rms_norm_eps"]
        for i in range(cfg["num_hidden_layers"]):
            p = f"model.layers.{i}."
            sliding = layer_types[i] == "sliding_attention"
            cos, sin = sliding_rope if sliding else full_rope
            layer_mask = sliding_mask if sliding else mask
            n = norm(x, P[p + "input_layernorm.weight"], eps)
            q = self.lin(p + "self_attn.q_proj", n).view(B, T, self.h, self.hd).transpose(1, 2)
            k = self.lin(p + "self_attn.k_proj", n).view(B, T, self.kvh, self.hd).transpose(1, 2)
            v = self.lin(p + "self_attn.v_proj", n).view(B, T, self.kvh, self.hd).transpose(1, 2)
            if self.qk_norm:
                q = norm(q, P[p + "self_attn.q_norm.weight"], eps)
                k = norm(k, P[p + "self_attn.k_norm.weight"], eps)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            rep = self.h // self.kvh
            k = k[:, :, None].expand(B, self.kvh, rep, T, self.hd).reshape(B, self.h, T, self.hd)
            v = v[:, :, None].expand(B, self.kvh, rep, T, self.hd).reshape(B, self.h, T, self.hd)
            scores = (q @ k.transpose(2, 3)) * scaling + layer_mask
            probs = torch.softmax(scores.float(), dim=-1).to(q.dtype)
            a = (probs @ v).transpose(1, 2).reshape(B, T, self.h * self.hd)
            if self.gemma:
                x = x + norm(self.lin(p + "self_attn.o_proj", a), P[p + "post_attention_layernorm.weight"], eps)
                n = norm(x, P[p + "pre_feedforward_layernorm.weight"], eps)
                gate = torch.nn.functional.gelu(self.lin(p + "mlp.gate_proj", n), approximate="tanh")
                m = self.lin(p + "mlp.down_proj", gate * self.lin(p + "mlp.up_proj", n))
                x = x + norm(m, P[p + "post_feedforward_layernorm.weight"], eps)
                continue
            x = x + self.lin(p + "self_attn.o_proj", a)
            n = rms_norm(x, P[p + "post_attention_layernorm.weight"], eps)
            m = self.lin(p + "mlp.down_proj", torch.nn.functional.silu(self.lin(p + "mlp.gate_proj", n))
                         * self.lin(p + "mlp.up_proj", n))
            x = x + m
        x = norm(x, P["model.norm.weight"], eps)
        head = P["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else P["lm_head.weight"]
        return x @ head.T


def write_safetensors(path, tensors):
    # Same writer as the goldens; a model folder is just another safetensors file.
    import golden_common
    old = golden_common.GOLDEN_DIR
    golden_common.GOLDEN_DIR = os.path.dirname(path)
    try:
        save_golden(os.path.basename(path)[: -len(".safetensors")], tensors, {"format": "pt"})
    finally:
        golden_common.GOLDEN_DIR = old


BASE = {"vocab_size": 96, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "rms_norm_eps": 1e-6, "max_position_embeddings": 64, "hidden_act": "silu",
        "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32", "use_cache": True,
        "initializer_range": 0.02, "transformers_version": "4.46.0"}

VARIANTS = {
    "llama_gqa": dict(model_type="llama", architectures=["LlamaForCausalLM"], num_key_value_heads=2,
                      rope_theta=10000.0, tie_word_embeddings=False),
    "llama_tied_llama3_mqa": dict(model_type="llama", architectures=["LlamaForCausalLM"], num_key_value_heads=1,
                                  rope_theta=500000.0, tie_word_embeddings=True,
                                  rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                "high_freq_factor": 4.0, "original_max_position_embeddings": 16},
                                  eos_token_id=[2, 3]),
    "llama_bias_linear_headdim": dict(model_type="llama", architectures=["LlamaForCausalLM"], num_key_value_heads=2,
                                      head_dim=16, attention_bias=True, mlp_bias=False,
                                      rope_scaling={"type": "linear", "factor": 2.0}, tie_word_embeddings=False),
    "mistral": dict(model_type="mistral", architectures=["MistralForCausalLM"], num_key_value_heads=2,
                    rope_theta=1000000.0, sliding_window=4096, tie_word_embeddings=False),
    "qwen2": dict(model_type="qwen2", architectures=["Qwen2ForCausalLM"], num_key_value_heads=2,
                  rope_theta=1000000.0, tie_word_embeddings=True, use_sliding_window=False, sliding_window=32,
                  max_window_layers=2),
    # head_dim 16 differs from hidden_size / heads = 8, as in every released Qwen3.
    "qwen3": dict(model_type="qwen3", architectures=["Qwen3ForCausalLM"], num_key_value_heads=2, head_dim=16,
                  rope_theta=1000000.0, tie_word_embeddings=True, attention_bias=False, use_sliding_window=False,
                  sliding_window=None, max_window_layers=2),
    # Six layers so the default pattern (every 6th full) shows both kinds, a window of 4 shorter
    # than the 9-token inputs, rope_scaling on the full layer only: what llama.cpp's gemma3 fixes.
    "gemma3": dict(model_type="gemma3_text", architectures=["Gemma3ForCausalLM"], num_hidden_layers=6,
                   num_key_value_heads=2, head_dim=16, hidden_activation="gelu_pytorch_tanh", hidden_act=None,
                   query_pre_attn_scalar=16, sliding_window=4, sliding_window_pattern=6, rope_theta=1000000.0,
                   rope_local_base_freq=10000.0, rope_scaling={"rope_type": "linear", "factor": 2.0},
                   tie_word_embeddings=True, attention_bias=False, final_logit_softcapping=None,
                   attn_logit_softcapping=None, bos_token_id=2, eos_token_id=1, pad_token_id=0),
    # What GGUF cannot hold: explicit layer_types, query_pre_attn_scalar != head_dim, own local
    # RoPE base; with attention biases and an untied head.
    "gemma3_layer_types": dict(model_type="gemma3_text", architectures=["Gemma3ForCausalLM"], num_key_value_heads=1,
                               head_dim=8, hidden_activation="gelu_pytorch_tanh", hidden_act=None,
                               query_pre_attn_scalar=24, sliding_window=3,
                               layer_types=["sliding_attention", "full_attention"], rope_theta=10000.0,
                               rope_local_base_freq=100.0, tie_word_embeddings=False, attention_bias=True),
}


def main(only):
    ids = torch.randint(0, 96, (2, 9), generator=seeded(7))
    labels = ids.clone()
    labels[0, :3] = -100  # a prompt that is not scored
    labels[1, 5] = -100
    for seed, (name, extra) in enumerate(VARIANTS.items()):
        if only and name not in only:
            continue
        cfg = {k: v for k, v in dict(BASE, **extra).items() if not (k == "hidden_act" and v is None)}
        model = Reference(cfg, 100 + seed)
        folder = os.path.join(MODELS_DIR, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2, sort_keys=True)
        write_safetensors(os.path.join(folder, "model.safetensors"), {k: v.detach() for k, v in model.params.items()})
        logits = model(ids)
        shift_logits = logits[:, :-1].reshape(-1, cfg["vocab_size"])
        loss = torch.nn.functional.cross_entropy(shift_logits, labels[:, 1:].reshape(-1), ignore_index=-100)
        loss.backward()
        out = {"ids": ids.to(torch.int32), "labels": labels.to(torch.int32), "logits": logits.detach(),
               "loss": loss.detach().reshape(1)}
        for k, p in model.params.items():
            out["grad." + k] = p.grad
        save_golden("model_" + name, out)
    if only:
        return
    # One bf16 copy of a model, as many Hub checkpoints are stored.
    src = os.path.join(MODELS_DIR, "llama_gqa")
    dst = os.path.join(MODELS_DIR, "llama_gqa_bf16")
    os.makedirs(dst, exist_ok=True)
    cfg = json.load(open(os.path.join(src, "config.json")))
    cfg["torch_dtype"] = "bfloat16"
    json.dump(cfg, open(os.path.join(dst, "config.json"), "w"), indent=2, sort_keys=True)
    model = Reference(dict(BASE, **VARIANTS["llama_gqa"]), 100)
    bf16 = {k: v.detach().to(torch.bfloat16) for k, v in model.params.items()}
    write_safetensors(os.path.join(dst, "model.safetensors"), bf16)
    model.params = {k: torch.nn.Parameter(v.to(torch.float32)) for k, v in bf16.items()}
    save_golden("model_llama_gqa_bf16", {"ids": ids.to(torch.int32), "logits": model(ids).detach()})


def full_finetune_trajectory():
    """10 AdamW steps of full fine-tuning on llama_gqa: every weight trainable, the step's loss the
    mean over all scored tokens of a right-padded batch of 3 examples, weight decay off for norms
    (as Hugging Face's Trainer groups them), global-norm clipping at 1.0. Goldens: the 10 losses,
    grad norms and the final weights. Data in tests/data/train/full_ft.jsonl (pre-tokenized)."""
    cfg = dict(BASE, **VARIANTS["llama_gqa"])
    model = Reference(cfg, 100)  # the same weights as tests/data/models/llama_gqa
    g = seeded(11)
    examples = []
    for length in (9, 6, 12):
        ids = torch.randint(3, 96, (length,), generator=g)
        labels = ids.clone()
        labels[: length // 3] = -100  # an unscored prompt
        examples.append((ids, labels))
    data_dir = os.path.join(os.path.dirname(MODELS_DIR), "train")
    os.makedirs(data_dir, exist_ok=True)
    with open(os.path.join(data_dir, "full_ft.jsonl"), "w") as f:
        for ids, labels in examples:
            f.write(json.dumps({"input_ids": ids.tolist(), "labels": labels.tolist()}) + "\n")
    T = max(len(ids) for ids, _ in examples)
    batch_ids = torch.zeros((3, T), dtype=torch.int64)
    batch_labels = torch.full((3, T), -100, dtype=torch.int64)
    for i, (ids, labels) in enumerate(examples):
        batch_ids[i, : len(ids)] = ids
        batch_labels[i, : len(ids)] = labels
    params = model.params
    decay = [p for k, p in params.items() if p.dim() >= 2 and "norm" not in k]
    no_decay = [p for k, p in params.items() if not (p.dim() >= 2 and "norm" not in k)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    losses, norms = [], []
    for step in range(10):
        opt.zero_grad()
        logits = model(batch_ids)
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, cfg["vocab_size"]),
                                                 batch_labels[:, 1:].reshape(-1), ignore_index=-100)
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)))
        opt.step()
        losses.append(float(loss))
    out = {"loss": torch.tensor(losses, dtype=torch.float64), "grad_norm": torch.tensor(norms, dtype=torch.float64)}
    for k, p in params.items():
        out["final." + k] = p.detach()
    save_golden("train_full_llama_gqa", out)


if __name__ == "__main__":
    selected = set(sys.argv[1:])
    unknown = selected - set(VARIANTS)
    if unknown:
        sys.exit(f"unknown variant(s) {sorted(unknown)}; known: {list(VARIANTS)}")
    main(selected)
    if not selected:
        full_finetune_trajectory()
