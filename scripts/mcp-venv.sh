#!/usr/bin/env bash
# Makes (once) a Python venv with the official MCP SDK and the mcp-server-time server,
# for the demo and the MCP end-to-end tests. Prints the venv's path.
# Usage: scripts/mcp-venv.sh [DIR]   (default .build/mcp-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.build/mcp-venv}
if [ ! -x "$venv/bin/mcp-server-time" ] || ! "$venv/bin/python" -c "import mcp" 2>/dev/null; then
  python3 -m venv "$venv" >/dev/null 2>&1 || {
    [ "$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  }
  "$venv/bin/pip" install -q --disable-pip-version-check mcp mcp-server-time >&2
fi
cd "$venv" && pwd
