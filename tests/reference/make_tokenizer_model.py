"""A small random Llama with a byte-level BPE tokenizer (tests/data/inference/bytelevel_llama/), so
the inference verbs can be tested end to end with text prompts, streamed text and the GGUF
export's tokenizer metadata: config.json, model.safetensors (vocab 267 = 256 bytes + 10 merges
+ <|endoftext|> at 266), tokenizer.json, tokenizer_config.json.

Run: /usr/bin/python3 tests/reference/make_tokenizer_model.py
"""
import json
import os

from golden_models import BASE, Reference, write_safetensors

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "inference", "bytelevel_llama")


def bytes_to_unicode():
    # GPT-2's reversible byte -> printable character table.
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def main():
    os.makedirs(OUT, exist_ok=True)
    table = bytes_to_unicode()
    vocab = {table[b]: b for b in range(256)}
    merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"), ("e", "r"), ("o", "n"), ("Ġ", "s"),
              ("r", "e"), ("a", "t")]
    for a, b in merges:
        vocab[a + b] = len(vocab)
    eos = {"id": 266, "content": "<|endoftext|>", "single_word": False, "lstrip": False, "rstrip": False,
           "normalized": False, "special": True}
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": [eos], "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }
    with open(os.path.join(OUT, "tokenizer.json"), "w") as f:
        json.dump(tokenizer, f, ensure_ascii=False, indent=1)
    with open(os.path.join(OUT, "tokenizer_config.json"), "w") as f:
        json.dump({"eos_token": "<|endoftext|>", "bos_token": None, "add_bos_token": False,
                   "model_max_length": 64, "tokenizer_class": "GPT2Tokenizer"}, f, indent=1)
    cfg = dict(BASE, model_type="llama", architectures=["LlamaForCausalLM"], num_key_value_heads=2,
               rope_theta=10000.0, tie_word_embeddings=True, vocab_size=267, bos_token_id=None, eos_token_id=266)
    model = Reference(cfg, 300)
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    write_safetensors(os.path.join(OUT, "model.safetensors"), {k: v.detach() for k, v in model.params.items()})


if __name__ == "__main__":
    main()
