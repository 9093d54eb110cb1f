#!/usr/bin/env bash
# Sets everything up, builds hone (Release) and runs the main job on the embedded default.
# The main job: LoRA fine-tune of the shipped demo model (models/demo) on WordNet definitions
# (examples/demo), with held-out loss and greedy generations before and after; leaves a PEFT
# adapter in runs/demo/adapter. See examples/demo/README.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${HONE_JOBS:-2}
build=${HONE_BUILD_DIR:-build}
# HONE_THREADS overrides the thread count of every step (the recipe says 2; 1 is faster on a
# machine that other jobs keep busy).
threads=()
[[ -n "${HONE_THREADS:-}" ]] && threads=(--threads "$HONE_THREADS")

scripts/setup.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$jobs" --target hone

hone=$build/src/hone
model=models/demo
heldout=examples/demo/definitions_heldout.jsonl
run=runs/demo
# Three of the 200 held-out words: none of them is in the fine-tuning data.
words=(believable headmaster idly)

section() { printf '\n== %s\n' "$*"; }
reference() {  # the held-out file's definition of word $1
  grep -F "\"Define: $1\\n\"" "$heldout" | sed -e 's/.*"completion": "//' -e 's/"}$//'
}
generations() {  # greedy answers for the three words, with the adapter in "$@" if any
  for word in "${words[@]}"; do
    printf 'Define: %s\n  reference: %s\n  model:     ' "$word" "$(reference "$word")"
    "$hone" generate --model "$model" "${threads[@]}" "$@" --prompt "Define: $word"$'\n' --max-new-tokens 40 --temperature 0 2>/dev/null
  done
}

section "held-out loss before fine-tuning ($heldout)"
"$hone" eval --model "$model" "${threads[@]}" --data "$heldout"
section "generations before fine-tuning (greedy)"
generations

section "LoRA fine-tuning (examples/demo/recipe.yaml)"
"$hone" train examples/demo/recipe.yaml "${threads[@]}" --out "$run" --overwrite

section "held-out loss after fine-tuning"
"$hone" eval --model "$model" "${threads[@]}" --adapter "$run/adapter" --data "$heldout"
section "generations after fine-tuning (greedy)"
generations --adapter "$run/adapter"

section "done: the PEFT adapter is in $run/adapter (adapter_config.json, adapter_model.safetensors)"
