#!/usr/bin/env bash
# hone vs llama.cpp on the issue-6 inference workloads: prefill of a 256-token prompt (batch 1)
# and greedy decode of 64 tokens after it, on the smollm2-135m bench shape (hidden 576, 30 layers,
# 9 heads / 3 KV heads, ffn 1536, vocab 49152, tied, rope theta 100000) with random weights, per
# weight type. llama.cpp is the prebuilt CPU build of the npm package node-llama-cpp
# (scripts/fetch_test_references.sh), driven by bench/llama_cpp_bench.mjs on a GGUF that hone makes
# (`hone init-model` with the bench shape's config, then `hone export`); hone is `hone bench`.
# Alternates the two sides workload by workload, each in a fresh process, and prints each side's
# JSON line and a ratio line (hone / llama.cpp tokens per second: > 1 means hone is faster).
# A weight type `hone bench` does not take yet gets a "skipped" line for hone.
#   bench/vs_llama_cpp.sh [DTYPES] [MODES] [THREADS]    e.g. bench/vs_llama_cpp.sh "f32 q8_0" decode 2
# Environment: HONE_BIN (default build/src/hone), LLAMA_CPP_BENCH_ARGS (extra flags for
# llama_cpp_bench.mjs, e.g. "--kv-type f32"), HONE_BENCH_CACHE (where the GGUFs go, ~1.3 GB for
# the four types; default .cache/bench-llama-cpp).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dtypes=${1:-"f32 f16 bf16 q8_0"}
modes=${2:-"prefill decode"}
threads=${3:-2}
hone=${HONE_BIN:-$root/build/src/hone}
cache=${HONE_BENCH_CACHE:-$root/.cache/bench-llama-cpp}
reps=5   # timed repetitions on both sides (hone bench: 1 warm-up + 5)

"$root/scripts/fetch_test_references.sh"
if (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  echo "{\"measurement\": \"skipped\", \"engine\": \"llama.cpp\", \"why\": \"node-llama-cpp needs Node >= 20, this is $(node --version)\"}"
  exit 0
fi
[[ -x "$hone" ]] || { echo "vs_llama_cpp: $hone is missing: build the hone target (or set HONE_BIN)" >&2; exit 1; }

# The bench shape as a Hugging Face config (src/hone/tools/bench_workloads.cpp, bench_shape), with
# the demo model's tokenizer: llama.cpp refuses a GGUF without tokenizer metadata, and the token
# list is padded to the 49152 rows.
model="$cache/smollm2-135m-random"
if [[ ! -f "$model/model.safetensors" ]]; then
  mkdir -p "$cache"
  cat >"$cache/smollm2-135m-config.json" <<'EOF'
{
  "architectures": ["LlamaForCausalLM"], "model_type": "llama",
  "vocab_size": 49152, "hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30,
  "num_attention_heads": 9, "num_key_value_heads": 3, "hidden_act": "silu",
  "max_position_embeddings": 2048, "rms_norm_eps": 1e-05, "rope_theta": 100000.0,
  "tie_word_embeddings": true, "initializer_range": 0.02, "torch_dtype": "float32",
  "bos_token_id": 4095, "eos_token_id": 4095
}
EOF
  "$hone" init-model --config "$cache/smollm2-135m-config.json" --tokenizer "$root/models/demo/tokenizer.json" \
    --out "$model" --seed 0 --overwrite >&2
fi
for dtype in $dtypes; do
  [[ -f "$cache/smollm2-135m-$dtype.gguf" ]] || "$hone" export --model "$model" --format gguf --dtype "$dtype" \
    --out "$cache/smollm2-135m-$dtype.gguf" >&2
done

echo "{\"measurement\": \"setup\", \"load_average\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"nproc\": $(nproc), \"threads\": $threads}"
for dtype in $dtypes; do
  for mode in $modes; do
    hone_line=$("$hone" bench --shape smollm2-135m --mode "$mode" --weights-dtype "$dtype" --threads "$threads" 2>/dev/null | tail -n 1) ||
      hone_line="{\"measurement\": \"skipped\", \"engine\": \"hone\", \"mode\": \"$mode\", \"weights_dtype\": \"$dtype\", \"why\": \"hone bench refused --weights-dtype $dtype\"}"
    # shellcheck disable=SC2086
    llama_line=$(node "$root/bench/llama_cpp_bench.mjs" --npm "$root/.cache/npm-llama-cpp" --model "$cache/smollm2-135m-$dtype.gguf" \
      --label "$dtype" --mode "$mode" --threads "$threads" --warmup 1 --reps "$reps" ${LLAMA_CPP_BENCH_ARGS:-})
    echo "$hone_line"
    echo "$llama_line"
    node -e '
      const [h, l] = process.argv.slice(1).map((s) => JSON.parse(s));
      if (h.measurement === "skipped") process.exit(0);
      console.log(JSON.stringify({ measurement: "ratio", engines: "hone/llama.cpp", mode: l.measurement, weights_dtype: l.weights_dtype,
        threads: l.threads, tokens_per_s_hone: h.tokens_per_s, tokens_per_s_llama_cpp: l.tokens_per_s,
        speed_ratio: h.tokens_per_s / l.tokens_per_s }));' "$hone_line" "$llama_line"
  done
done
echo "{\"measurement\": \"done\", \"load_average\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
