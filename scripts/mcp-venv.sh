#!/usr/bin/env bash
# Makes (once) a Python venv with the official MCP SDK and the mcp-server-time server,
# for the demo and the MCP end-to-end tests. Prints the venv's path.
# The SDK is pinned to 2.x: scripts/mcp/test_server.py uses its `MCPServer` (2.x only), and
# a venv holding another major version is brought to 2.x.
# Usage: scripts/mcp-venv.sh [DIR]   (default .build/mcp-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.build/mcp-venv}
sdk='mcp>=2,<3'
has_sdk2() {
  "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('mcp').split('.')[0] != '2')" 2>/dev/null
}
if [ ! -x "$venv/bin/mcp-server-time" ] || ! has_sdk2; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >/dev/null 2>&1 || {
    [ "$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  }
  "$venv/bin/pip" install -q --disable-pip-version-check "$sdk" mcp-server-time >&2
fi
cd "$venv" && pwd
