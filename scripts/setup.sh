#!/usr/bin/env bash
# Installs every Debian package hone's build, tests and benchmarks need. Idempotent: quiet and
# quick when everything is already there. Run as root on Debian 12 (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  libopenblas-openmp-dev libomp-dev libdnnl-dev
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libpcre2-dev libutf8proc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libopenmpi-dev openmpi-bin
  nodejs npm
)
# Only recreating the demo model's corpus and data (examples/demo/README.md) needs these; the
# demo itself runs from the files committed in models/demo and examples/demo:
if [[ "${HONE_SETUP_DEMO_DATA:-0}" == 1 ]]; then
  packages+=(python3 wordnet-base fortunes)
fi
# Only the benchmarks and golden regeneration need these (PyTorch reference side):
if [[ "${HONE_SETUP_PYTORCH:-0}" == 1 ]]; then
  packages+=(python3-torch python3-numpy libtcmalloc-minimal4)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A node/npm that the machine already has (for example a newer one in /usr/local) is fine.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs/}"); missing=("${missing[@]/npm/}")
fi
read -r -a missing <<< "${missing[*]}"

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
