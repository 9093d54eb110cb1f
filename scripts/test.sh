#!/usr/bin/env bash
# Sets everything up, builds hone (Release) and runs the whole test suite through CTest.
# Then, unless HONE_SKIP_SANITIZE=1, builds the unit tests with AddressSanitizer +
# UndefinedBehaviorSanitizer and runs them again. This is what CI runs (.ci/run).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${HONE_JOBS:-2}

scripts/setup.sh
scripts/fetch_test_references.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600)

if [[ "${HONE_SKIP_SANITIZE:-0}" != 1 ]]; then
  echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer =="
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHONE_SANITIZE=ON -DHONE_BUILD_BENCH=OFF >/dev/null
  cmake --build build-sanitize -j"$jobs"
  (cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j"$jobs" --timeout 900 -L unit)
fi
