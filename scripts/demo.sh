#!/usr/bin/env bash
# The demo: a whole mesh on loopback in a temporary directory, on the embedded SQLite
# registry. It builds mcpmesh, makes a venv with a real MCP server (mcp-server-time from
# PyPI) and the official Python MCP SDK, starts a coordinator, applies a policy, joins two
# nodes with join keys, has the laptop call the nas's time server through `mcpmesh connect`
# (one tool granted, one denied), shows the path and the audit log, revokes the grant,
# and cleans up.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== building (first build takes a few minutes)"
swift build --product mcpmesh >/dev/null
swift build --product mcpmesh-coordinator >/dev/null
bin=$(swift build --show-bin-path)
echo "== a Python venv with the MCP SDK and mcp-server-time (PyPI)"
venv=$(scripts/mcp-venv.sh)
coord="$bin/mcpmesh-coordinator"
mesh="$bin/mcpmesh"

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

step() { printf '\n== %s\n' "$*"; }
peers() {
  python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
out = d["outbound"]
names = {p["key"]: p["name"] for p in d["peers"]}
uses = ", ".join(f"{names.get(k, k[:12])}/{s} ({'all tools' if t == ['*'] else ', '.join(t)})"
                 for k, servers in out.items() for s, t in servers.items()) or "nothing"
print(f"netmap v{d['version']} (policy v{d['policyVersion']}): peers {[p['name'] for p in d['peers']]}; may use {uses}")
PY
}

step "coordinator on 127.0.0.1:$port (state in $work/coordinator)"
"$coord" serve --state "$work/coordinator" --listen "127.0.0.1:$port" > "$work/coordinator.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/coordinator/admin.sock" ] && break; sleep 0.1; done

step "policy: laptops may use the nas's time server, get_current_time only"
cat > "$work/policy.json" <<'JSON'
{
  // who may use which MCP servers and tools; everything else is denied
  "tags": ["tag:laptop", "tag:nas"],
  "grants": [
    { "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["time:get_current_time"] },
  ],
}
JSON
"$coord" policy set "$work/policy.json" --state "$work/coordinator"

step "join keys, and two nodes joining with them"
nas_key=$("$coord" joinkey create --tag tag:nas --state "$work/coordinator" 2>/dev/null)
laptop_key=$("$coord" joinkey create --tag tag:laptop --state "$work/coordinator" 2>/dev/null)
echo "join key for the nas: $nas_key"
cat > "$work/nas-servers.json" <<JSON
{ "mcpServers": { "time": { "command": "$venv/bin/mcp-server-time", "args": ["--local-timezone", "UTC"] } } }
JSON
"$mesh" up --join "$nas_key" --state "$work/nas" --name nas --listen 127.0.0.1:0 --config "$work/nas-servers.json" > "$work/nas.log" 2>&1 &
pids+=($!)
"$mesh" up --join "$laptop_key" --state "$work/laptop" --name laptop --listen 127.0.0.1:0 > "$work/laptop.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/nas/netmap.json" ] && [ -s "$work/laptop/netmap.json" ] && break; sleep 0.1; done
"$coord" nodes list --state "$work/coordinator"

step "the policy's own tests, now that the nodes exist: policy set runs them before applying"
python3 - "$work/policy.json" "$work/policy-tested.json" <<'PY'
import sys
text = open(sys.argv[1]).read().rstrip().rstrip("}")
text += """  "tests": [
    { "src": "node:laptop", "allow": ["nas/time/get_current_time"], "deny": ["nas/time/convert_time"] },
  ],
}
"""
open(sys.argv[2], "w").write(text)
PY
"$coord" policy set "$work/policy-tested.json" --state "$work/coordinator"

step "what each node's signed netmap says"
echo "nas:    $(peers "$work/nas/netmap.json")"
echo "laptop: $(peers "$work/laptop/netmap.json")"

step "an MCP client on the laptop calls the nas's time server through the mesh"
"$mesh" servers --state "$work/laptop"
"$venv/bin/python" scripts/mcp/time_client.py "$mesh" "$work/laptop" nas/time
"$mesh" ping nas --state "$work/laptop"
"$mesh" status --state "$work/laptop"

step "the nas's audit log"
cat "$work/nas/audit.log"

step "the admin revokes the grant; both nodes get new netmaps within seconds"
cat > "$work/deny.json" <<'JSON'
{ "tags": ["tag:laptop", "tag:nas"], "grants": [] }
JSON
"$coord" policy set "$work/deny.json" --state "$work/coordinator"
sleep 1
echo "nas:    $(peers "$work/nas/netmap.json")"
echo "laptop: $(peers "$work/laptop/netmap.json")"

if "$mesh" connect nas/time --state "$work/laptop" < /dev/null 2>"$work/refused.txt"; then echo "unexpected: connect succeeded"; exit 1; fi
echo "connect after revocation: $(cat "$work/refused.txt")"

step "done: coordinator, two nodes, an MCP call across the mesh, live policy changes"
