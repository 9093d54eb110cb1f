"""Goldens for BitFit (src/hone/peft/bitfit/): bias vectors on every linear layer of llama_gqa,
which has none, so each is added. Writes the adapter folder tests/data/peft/bitfit_all_linear
(non-zero biases, hone's BITFIT format in docs/peft.md) and tests/golden/bitfit_all_linear with
the logits, loss and bias gradients with that adapter, and a 10-step AdamW trajectory from
fresh (zero) biases on the trainer's batch. Run: /usr/bin/python3 tests/reference/golden_bitfit.py"""
import torch

import golden_lora
import golden_method_common as common
from golden_common import save_golden, seeded


def bias_params(model, values):
    """Adds a trainable bias per linear layer to the reference model (its lin() adds it)."""
    params = {}
    for i in range(common.CFG["num_hidden_layers"]):
        for leaf in golden_lora.LINEAR_LEAVES:
            group = "self_attn" if leaf in golden_lora.LINEAR_LEAVES[:4] else "mlp"
            module = f"model.layers.{i}.{group}.{leaf}"
            out_features = model.params[module + ".weight"].shape[0]
            p = torch.nn.Parameter(values(out_features))
            model.params[module + ".bias"] = p
            params[common.PREFIX + module + ".bias"] = p
    return params


def main():
    g = seeded(700)
    model = common.base_model()
    params = bias_params(model, lambda n: torch.randn(n, generator=g) * 0.2)
    common.write_folder("bitfit_all_linear", {
        "base_model_name_or_path": "tests/data/models/llama_gqa", "bias": "all", "inference_mode": True,
        "peft_type": "BITFIT", "target_modules": ["all-linear"], "task_type": "CAUSAL_LM"},
        {k: p.detach() for k, p in params.items()})
    for p in model.params.values():
        p.requires_grad_(False)
    for p in params.values():
        p.requires_grad_(True)
    out = {}
    common.probe(model, params, out)
    fresh = common.base_model()
    for p in fresh.params.values():
        p.requires_grad_(False)
    common.trajectory(fresh, bias_params(fresh, torch.zeros), out)
    save_golden("bitfit_all_linear", out)


if __name__ == "__main__":
    main()
