"""Goldens for LN-tuning (src/hone/peft/ln_tuning/, PEFT's LN_TUNING): the RMSNorm weights of
llama_gqa trainable (PEFT's llama targets input_layernorm, post_attention_layernorm, norm).
Writes the adapter folder tests/data/peft/ln_tuning (PEFT's key names, norm weights away from the
base's) and tests/golden/ln_tuning with the logits, loss and norm gradients with that adapter,
and a 10-step AdamW trajectory from the base's norm weights on the trainer's batch.
Run: /usr/bin/python3 tests/reference/golden_ln_tuning.py"""
import torch

import golden_method_common as common
from golden_common import save_golden, seeded


def norm_params(model, change):
    """Makes every norm weight of the reference model a trainable copy, keyed as PEFT saves it."""
    params = {}
    for name in list(model.params):
        if "norm" not in name:
            continue
        p = torch.nn.Parameter(change(model.params[name].detach().clone()))
        model.params[name] = p
        params[common.PREFIX + name[: -len(".weight")] + ".ln_tuning_layers.weight"] = p
    return params


def main():
    g = seeded(800)
    model = common.base_model()
    params = norm_params(model, lambda w: w * (1 + 0.2 * torch.randn(w.shape, generator=g)))
    common.write_folder("ln_tuning", {
        "auto_mapping": None, "base_model_name_or_path": "tests/data/models/llama_gqa", "exclude_modules": None,
        "inference_mode": True, "modules_to_save": None, "peft_type": "LN_TUNING", "revision": None,
        "target_modules": ["input_layernorm", "post_attention_layernorm", "norm"], "task_type": "CAUSAL_LM"},
        {k: p.detach() for k, p in params.items()})
    for p in model.params.values():
        p.requires_grad_(any(p is q for q in params.values()))
    out = {}
    common.probe(model, params, out)
    fresh = common.base_model()
    fresh_params = norm_params(fresh, lambda w: w)
    for p in fresh.params.values():
        p.requires_grad_(any(p is q for q in fresh_params.values()))
    common.trajectory(fresh, fresh_params, out)
    save_golden("ln_tuning", out)


if __name__ == "__main__":
    main()
