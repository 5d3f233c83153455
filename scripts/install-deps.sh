#!/usr/bin/env bash
# Installs the system packages mcpmesh needs to build and test, when they are missing.
# Runs as root (CI, a fresh VPS) or through sudo; does nothing when all are present.
set -euo pipefail

packages=(libsodium-dev libsqlite3-dev pkg-config bc)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "mcpmesh needs these packages: ${missing[*]}; run this script as root to install them" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
