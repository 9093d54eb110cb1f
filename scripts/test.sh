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

# The core layers' suites (with every reader's fuzzer) again under AddressSanitizer + UndefinedBehaviorSanitizer
# (HONE_SANITIZE_ALL=1 builds and runs every suite there, about twice as long).
if [[ "${HONE_SKIP_SANITIZE:-0}" != 1 ]]; then
  echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer =="
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHONE_SANITIZE=ON -DHONE_BUILD_BENCH=OFF >/dev/null
  if [[ "${HONE_SANITIZE_ALL:-0}" == 1 ]]; then
    cmake --build build-sanitize -j"$jobs"
    selection=(-L unit)
  else
    layers=(util tensor autograd io optim tokenizer data_layer peft train)
    cmake --build build-sanitize -j"$jobs" --target "${layers[@]/#/test_}"
    selection=(-R "^($(IFS='|'; echo "${layers[*]}"))/")
  fi
  (cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure --no-tests=error -j"$jobs" --timeout 900 "${selection[@]}")
fi
