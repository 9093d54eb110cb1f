#!/usr/bin/env python3
"""Trains the demo model's byte-level BPE tokenizer on a JSONL {"text"} corpus and writes a
Hugging Face tokenizer folder (tokenizer.json, tokenizer_config.json). Standard library only and
deterministic. It also encodes text with the written tokenizer.json (--encode), the reference
that hone's tokenizer is checked against.

  /usr/bin/python3 scripts/demo/train_bpe.py train --corpus .cache/demo/pretrain.jsonl \
      --vocab-size 4096 --out .cache/demo/tokenizer
  /usr/bin/python3 scripts/demo/train_bpe.py encode --tokenizer .cache/demo/tokenizer --text 'Define: dog'
"""
import argparse
import collections
import heapq
import json
import os
import re
import sys

# GPT-2's pre-tokenization with ASCII classes, since Python's `re` has no \p{L}: contractions,
# words with their leading space, numbers, other symbols, and whitespace runs that leave their
# last space to the next word. The same text goes into tokenizer.json as a Split regex (PCRE2 /
# Oniguruma), so hone and Hugging Face cut text exactly as this script does. Whitespace is spelled
# out because \s and \v mean different things in Python, PCRE2 and Oniguruma.
WS = r" \t\n\r\f\x0b"
PATTERN = (rf"'(?:[sdmt]|ll|ve|re)| ?[A-Za-z]+| ?[0-9]+| ?[^{WS}A-Za-z0-9]+"
           rf"|[{WS}]+(?![^{WS}])|[{WS}]+")
SPECIAL = "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2's ByteLevel alphabet: every byte as a printable character."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(printable, chars)}


BYTE_CHAR = bytes_to_unicode()
CHAR_BYTE = {c: b for b, c in BYTE_CHAR.items()}
SPLIT = re.compile(PATTERN)


def pre_tokens(text):
    """Text -> byte-level pre-tokens (strings over the ByteLevel alphabet)."""
    return ["".join(BYTE_CHAR[b] for b in piece.encode("utf-8")) for piece in SPLIT.findall(text)]


def read_corpus(path):
    with open(path, encoding="utf-8") as f:
        for line_number, line in enumerate(f, 1):
            try:
                yield json.loads(line)["text"]
            except (ValueError, KeyError, TypeError) as e:
                sys.exit(f"{path}:{line_number}: expected a JSON object with a \"text\" string ({e})")


def learn_merges(word_counts, merge_count):
    """Classic BPE: repeatedly merge the most frequent adjacent pair (ties: the smaller pair)."""
    words = [list(w) for w in word_counts]
    freqs = list(word_counts.values())
    pair_counts = collections.Counter()
    where = collections.defaultdict(set)
    for i, symbols in enumerate(words):
        for pair in zip(symbols, symbols[1:]):
            pair_counts[pair] += freqs[i]
            where[pair].add(i)
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    merges = []
    while len(merges) < merge_count and heap:
        negative, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negative:
            continue  # a stale entry: the count changed after it was pushed
        if -negative < 2:
            break
        merges.append(pair)
        merged = pair[0] + pair[1]
        changed = set()
        for i in where.pop(pair):
            symbols = words[i]
            for old in zip(symbols, symbols[1:]):
                pair_counts[old] -= freqs[i]
                changed.add(old)
            out = []
            k = 0
            while k < len(symbols):
                if k + 1 < len(symbols) and symbols[k] == pair[0] and symbols[k + 1] == pair[1]:
                    out.append(merged)
                    k += 2
                else:
                    out.append(symbols[k])
                    k += 1
            words[i] = out
            for new in zip(out, out[1:]):
                pair_counts[new] += freqs[i]
                where[new].add(i)
                changed.add(new)
        for p in changed:
            count = pair_counts[p]
            if count <= 0:
                del pair_counts[p]
                where.pop(p, None)
            else:
                heapq.heappush(heap, (-count, p))
    return merges


def tokenizer_json(vocab, merges):
    special_id = len(vocab)
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": special_id, "content": SPECIAL, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": PATTERN}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": SPECIAL, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": SPECIAL, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": SPECIAL, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {SPECIAL: {"id": SPECIAL, "ids": [special_id], "tokens": [SPECIAL]}}},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [[a, b] for a, b in merges]},
    }


def tokenizer_config(model_max_length):
    return {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": SPECIAL, "eos_token": SPECIAL,
            "pad_token": SPECIAL, "add_bos_token": True, "add_eos_token": False,
            "clean_up_tokenization_spaces": False, "model_max_length": model_max_length}


def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def train(args):
    word_counts = collections.Counter()
    for text in read_corpus(args.corpus):
        word_counts.update(pre_tokens(text))
    alphabet = [BYTE_CHAR[b] for b in range(256)]
    merges = learn_merges(word_counts, args.vocab_size - len(alphabet) - 1)
    vocab = {c: i for i, c in enumerate(alphabet)}
    for a, b in merges:
        vocab[a + b] = len(vocab)
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "tokenizer.json"), tokenizer_json(vocab, merges))
    write_json(os.path.join(args.out, "tokenizer_config.json"), tokenizer_config(args.model_max_length))
    print(f"{args.out}: {len(vocab) + 1} tokens ({len(merges)} merges) from {sum(word_counts.values())} "
          f"pre-tokens ({len(word_counts)} distinct)")


class Encoder:
    """Encodes with a tokenizer.json written by `train`, the way Hugging Face's BPE does: the
    lowest-ranked merge first, leftmost first among equals."""

    def __init__(self, folder):
        with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
            spec = json.load(f)
        if spec["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] != PATTERN:
            sys.exit(f"{folder}/tokenizer.json: its Split pattern is not this script's")
        self.vocab = spec["model"]["vocab"]
        self.ranks = {tuple(m): r for r, m in enumerate(spec["model"]["merges"])}
        self.special_id = spec["added_tokens"][0]["id"]

    def encode_word(self, word):
        symbols = list(word)
        while len(symbols) > 1:
            ranked = [(self.ranks.get(p, len(self.ranks)), p) for p in zip(symbols, symbols[1:])]
            rank, best = min(ranked)
            if rank == len(self.ranks):
                break
            out, k = [], 0
            while k < len(symbols):
                if k + 1 < len(symbols) and (symbols[k], symbols[k + 1]) == best:
                    out.append(symbols[k] + symbols[k + 1])
                    k += 2
                else:
                    out.append(symbols[k])
                    k += 1
            symbols = out
        return [self.vocab[s] for s in symbols]

    def encode(self, text, add_special_tokens=True):
        ids = [self.special_id] if add_special_tokens else []
        # The special token is cut out of the text first, as Hugging Face does with added tokens.
        for k, part in enumerate(text.split(SPECIAL)):
            if k:
                ids.append(self.special_id)
            for word in pre_tokens(part):
                ids += self.encode_word(word)
        return ids


def encode(args):
    encoder = Encoder(args.tokenizer)
    texts = [args.text] if args.text is not None else [t for t in read_corpus(args.jsonl)]
    for text in texts:
        ids = encoder.encode(text, not args.no_special)
        print(json.dumps({"text": text, "ids": ids}, ensure_ascii=False) if args.text is None else
              " ".join(map(str, ids)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="learn the merges and write the tokenizer folder")
    t.add_argument("--corpus", required=True, help="JSONL file of {\"text\": ...} records")
    t.add_argument("--vocab-size", type=int, default=4096, help="tokens in all: 256 bytes + merges + 1 special")
    t.add_argument("--model-max-length", type=int, default=512)
    t.add_argument("--out", required=True, help="folder for tokenizer.json and tokenizer_config.json")
    e = sub.add_parser("encode", help="encode text with a written tokenizer (BOS first unless --no-special)")
    e.add_argument("--tokenizer", required=True, help="folder holding tokenizer.json")
    source = e.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="text to encode: prints the ids")
    source.add_argument("--jsonl", help="JSONL {\"text\"} file: prints one {\"text\", \"ids\"} object per record")
    e.add_argument("--no-special", action="store_true")
    args = parser.parse_args()
    train(args) if args.command == "train" else encode(args)


if __name__ == "__main__":
    main()
