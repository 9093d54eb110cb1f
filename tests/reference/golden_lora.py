"""Reference LoRA / rsLoRA / DoRA adapters for hone's peft tests.

Writes, for each case below, a PEFT adapter folder under tests/data/peft/<case>/ exactly as PEFT's
save_pretrained writes it (adapter_config.json with sorted keys and indent 2, adapter_model.safetensors
with PEFT's key names and metadata {"format": "pt"}) holding fixed NON-ZERO A and B (and a DoRA
magnitude), and tests/golden/lora_<case>.safetensors with what PEFT computes for the base model of
tests/data/models/<model> with that adapter attached: logits, the loss, the gradient of every
adapter tensor, and a 10-step torch.optim.AdamW trajectory (loss before each step, adapter tensors
after the last).

PEFT itself is not installed; the forward mirrors PEFT's lora Linear (tuners/lora/layer.py and
dora.py): result = base(x) + lora_B(lora_A(dropout(x))) * scaling with scaling = alpha / r
(alpha / sqrt(r) with use_rslora), r and alpha per module from rank_pattern / alpha_pattern
(get_pattern_key: first key k with re.match(rf"(.*\\.)?({k})$", name)); DoRA adds
(m / ||W + s B A||_row - 1) * (x W^T) + (m / ||.||) * lora(x) * s with the norm detached.
Adapter tensors stored in F16/BF16 are computed in F32, as PEFT's autocast_adapter_dtype does.

Run: /usr/bin/python3 tests/reference/golden_lora.py
"""
import json
import math
import os
import re

import torch

import golden_models
from golden_common import save_golden, seeded

PEFT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "peft")
PREFIX = "base_model.model."
LINEAR_LEAVES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

# The full key set current PEFT (0.20.1) writes, with LoraConfig's defaults (../shared/reference/peft-format.md 3.4).
PEFT_0_20_DEFAULTS = {
    "alora_invocation_tokens": None, "alpha_pattern": {}, "arrow_config": None, "auto_mapping": None,
    "base_model_name_or_path": None, "bias": "none", "corda_config": None, "ensure_weight_tying": False,
    "eva_config": None, "exclude_modules": None, "fan_in_fan_out": False, "inference_mode": True,
    "init_lora_weights": True, "kasa_config": None, "layer_replication": None, "layers_pattern": None,
    "layers_to_transform": None, "loftq_config": {}, "lora_alpha": 8, "lora_bias": False, "lora_dropout": 0.0,
    "lora_ga_config": None, "megatron_config": None, "megatron_core": "megatron.core", "modules_to_save": None,
    "monteclora_config": None, "peft_type": "LORA", "peft_version": "0.20.1", "qalora_group_size": 16, "r": 8,
    "rank_pattern": {}, "revision": None, "target_modules": None, "target_parameters": None,
    "task_type": "CAUSAL_LM", "trainable_token_indices": None, "use_bdlora": None, "use_dora": False,
    "use_qalora": False, "use_rslora": False, "velora_config": None,
}
# An older writer (PEFT 0.10): fewer keys, no peft_version.
PEFT_0_10_KEYS = ["alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias", "fan_in_fan_out",
                  "inference_mode", "init_lora_weights", "layer_replication", "layers_pattern", "layers_to_transform",
                  "loftq_config", "lora_alpha", "lora_dropout", "megatron_config", "megatron_core", "modules_to_save",
                  "peft_type", "r", "rank_pattern", "revision", "target_modules", "task_type", "use_dora",
                  "use_rslora"]

CASES = {
    # LoRA on every linear layer; target_modules as PEFT's "all-linear" string.
    "all_linear_f32": dict(model="llama_gqa", dtype=torch.float32, writer="0.20",
                           config=dict(r=4, lora_alpha=8, lora_dropout=0.05, target_modules="all-linear")),
    # q_proj, v_proj as a list, rsLoRA, per-module rank and alpha, stored in BF16.
    "qv_rslora_patterns_bf16": dict(model="llama_gqa", dtype=torch.bfloat16, writer="0.20",
                                    config=dict(r=8, lora_alpha=16, target_modules=["v_proj", "q_proj"],
                                                use_rslora=True, rank_pattern={"v_proj": 4},
                                                alpha_pattern={"layers\\.1\\.self_attn\\.q_proj": 4})),
    # DoRA on q_proj, v_proj of a model whose projections have biases, stored in F16 by an older writer.
    "qv_dora_f16": dict(model="llama_bias_linear_headdim", dtype=torch.float16, writer="0.10",
                        config=dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], use_dora=True)),
}

ADAM = dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
STEPS = 10


def pattern_key(patterns, name):
    for key in patterns:
        if re.match(rf"(.*\.)?({key})$", name):
            return key
    return None


def targeted(target_modules, name):
    if isinstance(target_modules, str):
        if target_modules == "all-linear":
            return name.rsplit(".", 1)[-1] in LINEAR_LEAVES
        return re.fullmatch(target_modules, name) is not None
    return any(name == t or name.endswith("." + t) for t in target_modules)


class LoraReference(golden_models.Reference):
    """transformers' Llama mirror with PEFT's LoRA Linear on the targeted projections (eval mode)."""

    def __init__(self, cfg, seed, lora_cfg, adapter):
        super().__init__(cfg, seed)
        for p in self.params.values():
            p.requires_grad_(False)
        self.lora = {}
        for module, t in adapter.items():
            r = lora_cfg.get("r", 8)
            alpha = lora_cfg.get("lora_alpha", 8)
            key = pattern_key(lora_cfg.get("rank_pattern", {}), module)
            r = lora_cfg["rank_pattern"][key] if key is not None else r
            key = pattern_key(lora_cfg.get("alpha_pattern", {}), module)
            alpha = lora_cfg["alpha_pattern"][key] if key is not None else alpha
            scaling = alpha / math.sqrt(r) if lora_cfg.get("use_rslora") else alpha / r
            entry = {"A": torch.nn.Parameter(t["A"].float()), "B": torch.nn.Parameter(t["B"].float()),
                     "scaling": scaling}
            assert entry["A"].shape[0] == r and entry["B"].shape[1] == r
            if "m" in t:
                entry["m"] = torch.nn.Parameter(t["m"].float())
            self.lora[module] = entry

    def lin(self, name, x):
        result = super().lin(name, x)
        lora = self.lora.get(name)
        if lora is None:
            return result
        A, B, s = lora["A"], lora["B"], lora["scaling"]
        lora_out = (x @ A.T) @ B.T  # lora_B(lora_A(dropout(x))), dropout = identity in eval
        if "m" not in lora:
            return result + lora_out * s
        weight = self.params[name + ".weight"]
        weight_norm = torch.linalg.norm(weight + s * (B @ A).detach(), dim=1).detach()
        mag_norm_scale = (lora["m"] / weight_norm).view(1, -1)
        return result + (mag_norm_scale - 1) * (x @ weight.T) + mag_norm_scale * lora_out * s

    def adapter_parameters(self):
        out = {}
        for module, e in self.lora.items():
            out[PREFIX + module + ".lora_A.weight"] = e["A"]
            out[PREFIX + module + ".lora_B.weight"] = e["B"]
            if "m" in e:
                out[PREFIX + module + ".lora_magnitude_vector"] = e["m"]
        return out


def make_adapter(case_index, cfg, lora_cfg, base_params, dtype):
    """Fixed non-zero A, B (and m) for every targeted module, rounded to the storage dtype."""
    g = seeded(500 + case_index)
    d, h, kvh = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or d // h
    adapter = {}
    for i in range(cfg["num_hidden_layers"]):
        for leaf in LINEAR_LEAVES:
            group = "self_attn" if leaf in LINEAR_LEAVES[:4] else "mlp"
            module = f"model.layers.{i}.{group}.{leaf}"
            if not targeted(lora_cfg["target_modules"], module):
                continue
            w = base_params[module + ".weight"]
            out_f, in_f = w.shape
            key = pattern_key(lora_cfg.get("rank_pattern", {}), module)
            r = lora_cfg["rank_pattern"][key] if key is not None else lora_cfg.get("r", 8)
            A = (torch.randn(r, in_f, generator=g) * 0.3).to(dtype)
            B = (torch.randn(out_f, r, generator=g) * 0.3).to(dtype)
            entry = {"A": A, "B": B}
            if lora_cfg.get("use_dora"):
                alpha = lora_cfg.get("lora_alpha", 8)
                s = alpha / math.sqrt(r) if lora_cfg.get("use_rslora") else alpha / r
                norm = torch.linalg.norm(w + s * (B.float() @ A.float()), dim=1)
                entry["m"] = (norm * (1 + 0.2 * torch.randn(out_f, generator=g))).to(dtype)
            adapter[module] = entry
    del hd, kvh
    return adapter


def write_adapter_folder(folder, lora_cfg, writer, tensors, base_name):
    os.makedirs(folder, exist_ok=True)
    if writer == "0.20":
        config = dict(PEFT_0_20_DEFAULTS)
    else:
        config = {k: PEFT_0_20_DEFAULTS[k] for k in PEFT_0_10_KEYS}
    config.update(lora_cfg)
    config["base_model_name_or_path"] = base_name
    with open(os.path.join(folder, "adapter_config.json"), "w") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True))  # PEFT: json.dumps(..., indent=2, sort_keys=True)
    golden_models.write_safetensors(os.path.join(folder, "adapter_model.safetensors"), tensors)


def loss_of(logits, labels, vocab):
    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, vocab), labels[:, 1:].reshape(-1),
                                             ignore_index=-100)


def main():
    ids = torch.randint(0, 96, (2, 9), generator=seeded(11))
    labels = ids.clone()
    labels[0, :2] = -100
    labels[1, 6] = -100
    variants = list(golden_models.VARIANTS)
    for case_index, (case, spec) in enumerate(CASES.items()):
        model_name = spec["model"]
        cfg = dict(golden_models.BASE, **golden_models.VARIANTS[model_name])
        model_seed = 100 + variants.index(model_name)  # the seed golden_models.py built that folder with
        base = golden_models.Reference(cfg, model_seed)
        adapter = make_adapter(case_index, cfg, spec["config"], {k: v.detach() for k, v in base.params.items()},
                               spec["dtype"])
        stored = {}
        for module, t in adapter.items():
            stored[PREFIX + module + ".lora_A.weight"] = t["A"]
            stored[PREFIX + module + ".lora_B.weight"] = t["B"]
            if "m" in t:
                stored[PREFIX + module + ".lora_magnitude_vector"] = t["m"]
        write_adapter_folder(os.path.join(PEFT_DIR, case), spec["config"], spec["writer"], stored,
                             "tests/data/models/" + model_name)

        model = LoraReference(cfg, model_seed, spec["config"], adapter)
        params = model.adapter_parameters()
        logits = model(ids)
        loss = loss_of(logits, labels, cfg["vocab_size"])
        loss.backward()
        out = {"ids": ids.to(torch.int32), "labels": labels.to(torch.int32), "logits": logits.detach(),
               "loss": loss.detach().reshape(1)}
        for key, p in params.items():
            out["grad." + key] = p.grad.clone()
        # The same adapter trained for 10 steps on the same batch.
        opt = torch.optim.AdamW(list(params.values()), **ADAM)
        losses = []
        for _ in range(STEPS):
            opt.zero_grad()
            step_loss = loss_of(model(ids), labels, cfg["vocab_size"])
            losses.append(step_loss.item())
            step_loss.backward()
            opt.step()
        out["trajectory.loss"] = torch.tensor(losses, dtype=torch.float32)
        for key, p in params.items():
            out["trained." + key] = p.detach().clone()
        save_golden("lora_" + case, out)


if __name__ == "__main__":
    main()
