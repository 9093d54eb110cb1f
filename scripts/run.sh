#!/usr/bin/env bash
# Sets everything up, builds hone (Release) and runs the main job on the embedded default.
# Until `hone train` lands, the main job is a smoke run of the engine (`hone info`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${HONE_JOBS:-2}

scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" --target hone
build/src/hone info
