#!/usr/bin/env bash
# hone vs PyTorch on the standard workloads (../shared/bench/README.md), alternating on the same
# machine at the same thread count, each workload in a fresh process; prints each side's JSON
# line and then one line of ratios (hone / PyTorch: > 1 means hone is faster or, for memory,
# larger). PyTorch gets its best settings (tcmalloc, passive OpenMP waiting) and the OpenBLAS
# kernels hone runs with (`hone info` names them; an OPENBLAS_CORETYPE in the environment pins
# both, and when none is set both get the same autodetected kernels anyway).
# Training workloads are compared twice: hone `--precision f32` against PyTorch in f32, and hone
# `--precision bf16` against PyTorch's fastest mode, bf16 autocast (with the frozen base stored in
# bf16 for LoRA, `--base-dtype bf16`). The inference workloads are compared in f32 (PyTorch's
# reference script autocasts only training).
#   bench/side_by_side.sh [SHAPE] [MODES] [THREADS]      e.g. bench/side_by_side.sh tiny "lora full" 2
#   PRECISIONS="bf16" bench/side_by_side.sh tiny lora 2  # only the bf16 comparison
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shape=${1:-tiny}
modes=${2:-"lora full prefill decode"}
threads=${3:-2}
precisions=${PRECISIONS:-"f32 bf16"}
hone=${HONE_BIN:-$root/build/src/hone}
torch_bench=${TORCH_BENCH:-$root/../shared/bench/torch_llama_bench.py}
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
blas_kernels=$("$hone" info --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["blas_kernels"])')
echo "{\"measurement\": \"setup\", \"openblas_coretype_both\": \"$blas_kernels\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"

for mode in $modes; do
  for precision in $precisions; do
    torch_flags=()
    torch_label="f32"
    if [[ $precision == bf16 ]]; then
      [[ $mode == lora || $mode == full ]] || continue
      torch_flags=(--autocast bf16)
      torch_label="autocast bf16"
      if [[ $mode == lora ]]; then
        torch_flags+=(--base-dtype bf16)
        torch_label="autocast bf16, bf16 frozen base"
      fi
    fi
    hone_line=$("$hone" bench --shape "$shape" --mode "$mode" --threads "$threads" --precision "$precision" | tail -n 1)
    torch_line=$(OPENBLAS_CORETYPE=$blas_kernels OMP_WAIT_POLICY=PASSIVE LD_PRELOAD=$tcmalloc /usr/bin/python3 "$torch_bench" \
      --shape "$shape" --mode "$mode" --threads "$threads" "${torch_flags[@]}" 2>/dev/null |
      grep -E '"measurement": "(train|prefill|decode)"' | tail -n 1)
    echo "$hone_line"
    echo "$torch_line"
    /usr/bin/python3 - "$hone_line" "$torch_line" "$shape" "$mode" "$precision" "$torch_label" <<'PY'
import json, sys
h, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
out = {"measurement": "ratio", "shape": sys.argv[3], "mode": sys.argv[4], "hone_precision": sys.argv[5],
       "torch_mode": sys.argv[6], "tokens_per_s_hone": h["tokens_per_s"], "tokens_per_s_torch": t["tokens_per_s"],
       "speed_ratio": h["tokens_per_s"] / t["tokens_per_s"]}
if "peak_rss_mb" in h and "peak_rss_mb" in t:
    out.update(peak_rss_mb_hone=h["peak_rss_mb"], peak_rss_mb_torch=t["peak_rss_mb"],
               memory_ratio=h["peak_rss_mb"] / t["peak_rss_mb"])
print(json.dumps(out))
PY
  done
done
