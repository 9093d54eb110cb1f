#!/usr/bin/env python3
"""Builds the demo's text from Debian packages: a pretraining corpus (WordNet glosses phrased as
plain sentences, WordNet usage examples, fortunes) and the fine-tuning dataset (WordNet
definitions as "Define: WORD" -> definition pairs, split into train and held-out by word).

Standard library only and deterministic: the same packages give byte-identical files.
  /usr/bin/python3 scripts/demo/make_corpus.py --pretrain .cache/demo/pretrain.jsonl \
      --train examples/demo/definitions_train.jsonl --heldout examples/demo/definitions_heldout.jsonl
"""
import argparse
import hashlib
import json
import os
import re
import sys

WORDNET = "/usr/share/wordnet"
FORTUNES = "/usr/share/games/fortunes"
# The tamer collections of the `fortunes` package. Left out: off/ (offensive, a separate
# package), collections that are mostly crude or in-jokes (ethnic, men-women, drugs, knghtbrd,
# zippy), ASCII art, and non-English text (translate-me).
FORTUNE_COLLECTIONS = [
    "art", "computers", "cookie", "definitions", "education", "food", "fortunes", "goedel",
    "humorists", "kids", "law", "literature", "love", "magic", "medicine", "miscellaneous",
    "news", "paradoxum", "people", "pets", "platitudes", "politics", "riddles", "science",
    "songs-poems", "sports", "startrek", "tao", "wisdom", "work",
]
POS_FILES = [("noun", "n"), ("verb", "v"), ("adj", "a"), ("adv", "r")]
WORDNET_PARAGRAPH = 6        # synsets per pretraining record: related senses read as one text
HELDOUT_WORDS = 200
TRAIN_WORDS = 3000
MAX_DEFINITION_CHARS = 120   # keeps every fine-tuning example well inside seq_len 128
QUOTED = re.compile(r'"([^"]*)"')
ADJ_MARKER = re.compile(r"\((?:a|p|ip)\)$")


def stable_key(text):
    """Order by a hash that does not depend on Python's per-process string hashing."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lemma_text(word):
    return ADJ_MARKER.sub("", word).replace("_", " ")


def split_gloss(gloss):
    """WordNet gloss 'definition; "example"; "example"' -> (definition, [examples])."""
    quote = gloss.find('"')
    definition = gloss if quote < 0 else gloss[:quote]
    definition = definition.strip().rstrip(";").strip()
    examples = [e.strip() for e in QUOTED.findall(gloss) if e.strip()]
    return definition, examples


def read_synsets(pos_file):
    """Yields (offset, ss_type, [words], definition, [examples]) in file order."""
    path = os.path.join(WORDNET, "data." + pos_file)
    with open(path, encoding="utf-8") as f:
        for line_number, line in enumerate(f, 1):
            if line.startswith("  "):  # the licence header
                continue
            head, sep, gloss = line.partition(" | ")
            if not sep:
                sys.exit(f"{path}:{line_number}: no ' | ' before the gloss")
            fields = head.split()
            word_count = int(fields[3], 16)
            words = [lemma_text(fields[4 + 2 * i]) for i in range(word_count)]
            definition, examples = split_gloss(gloss)
            yield fields[0], fields[2], words, definition, examples


def sentence(text):
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def gloss_sentence(ss_type, words, definition):
    """One synset as plain prose: 'A dog is a member of the genus Canis ...'."""
    head = words[0]
    if ss_type == "n":
        # A countable sense ("a member of ...") takes an article; a mass sense ("the act of ...") none.
        if re.match(r"an? ", definition):
            subject = ("an " if head[0] in "aeiouAEIOU" else "a ") + head
        else:
            subject = head
        text = f"{subject} is {definition}"
    elif ss_type == "v":
        text = f"to {head} is to {definition}"
    else:
        text = f"{head} means {definition}"
    text = sentence(text)
    others = [w for w in words[1:] if w != head]
    if others:
        names = " or ".join(f'"{w}"' for w in others[:3])
        text += f" It is also called {names}." if ss_type == "n" else f" Another word for it is {names}."
    return text


def wordnet_records():
    records = []
    for pos_file, _ in POS_FILES:
        paragraph = []
        for _, ss_type, words, definition, examples in read_synsets(pos_file):
            if not definition:
                continue
            parts = [gloss_sentence(ss_type, words, definition)]
            parts += [sentence(e) for e in examples]
            paragraph.append(" ".join(parts))
            if len(paragraph) == WORDNET_PARAGRAPH:
                records.append("\n".join(paragraph))
                paragraph = []
        if paragraph:
            records.append("\n".join(paragraph))
    return records


def strip_overstrike(text):
    # Old fortune files embolden with "c\bc" and underline with "_\bc": keep the last character.
    return re.sub(r".\x08", "", text)


def fortune_records():
    records = []
    for name in FORTUNE_COLLECTIONS:
        path = os.path.join(FORTUNES, name)
        with open(path, encoding="utf-8", errors="replace") as f:
            entries = f.read().split("\n%\n")
        for entry in entries:
            entry = strip_overstrike(entry).strip("\n%").rstrip()
            if not entry.strip() or len(entry) > 1200:
                continue
            if re.search(r"[\x00-\x08\x0b-\x1f\x7f\ufffd]", entry):
                continue
            records.append(entry)
    return records


def read_index(pos_file):
    """lemma -> (tagged sense count, first synset offset), from index.<pos>."""
    entries = {}
    with open(os.path.join(WORDNET, "index." + pos_file), encoding="utf-8") as f:
        for line in f:
            if line.startswith("  "):
                continue
            fields = line.split()
            pointer_count = int(fields[3])
            tagged = int(fields[5 + pointer_count])
            first_offset = fields[6 + pointer_count]
            entries[fields[0]] = (tagged, first_offset)
    return entries


def definition_pairs():
    """Each common single word with its most used sense: {word: definition}."""
    definitions = {}
    for pos_file, _ in POS_FILES:
        definitions[pos_file] = {offset: d for offset, _, _, d, _ in read_synsets(pos_file)}
    best = {}
    for rank, (pos_file, _) in enumerate(POS_FILES):
        for lemma, (tagged, offset) in read_index(pos_file).items():
            if tagged == 0 or not re.fullmatch(r"[a-z]{3,}", lemma):
                continue
            definition = definitions[pos_file].get(offset, "")
            if not (10 <= len(definition) <= MAX_DEFINITION_CHARS):
                continue
            # The part of speech whose senses are most used in WordNet's tagged texts wins;
            # ties go to the earlier of noun, verb, adjective, adverb.
            candidate = (-tagged, rank, definition)
            if lemma not in best or candidate < best[lemma]:
                best[lemma] = candidate
    return {lemma: c[2] for lemma, c in best.items()}


def pair_record(word, definition):
    return {"prompt": f"Define: {word}\n", "completion": definition}


def write_jsonl(path, records):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pretrain", required=True, help="pretraining corpus to write (JSONL {\"text\"})")
    parser.add_argument("--train", required=True, help="fine-tuning train pairs to write")
    parser.add_argument("--heldout", required=True, help="held-out fine-tuning pairs to write")
    args = parser.parse_args()

    texts = wordnet_records() + fortune_records()
    write_jsonl(args.pretrain, [{"text": t} for t in texts])

    pairs = definition_pairs()
    words = sorted(pairs, key=stable_key)
    if len(words) < HELDOUT_WORDS + TRAIN_WORDS:
        sys.exit(f"only {len(words)} candidate words; need {HELDOUT_WORDS + TRAIN_WORDS}")
    heldout = sorted(words[:HELDOUT_WORDS])
    train = sorted(words[HELDOUT_WORDS:HELDOUT_WORDS + TRAIN_WORDS], key=stable_key)
    write_jsonl(args.train, [pair_record(w, pairs[w]) for w in train])
    write_jsonl(args.heldout, [pair_record(w, pairs[w]) for w in heldout])
    chars = sum(len(t) for t in texts)
    print(f"{args.pretrain}: {len(texts)} records, {chars} characters; "
          f"{args.train}: {len(train)} pairs; {args.heldout}: {len(heldout)} pairs "
          f"(from {len(words)} candidate words)")


if __name__ == "__main__":
    main()
