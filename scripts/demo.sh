#!/usr/bin/env bash
# The demo: a whole mesh on loopback in a temporary directory, on the embedded SQLite
# registry. It builds mcpmesh, starts a coordinator, applies a policy, joins two nodes with
# join keys, shows what each node's signed netmap lets it do, changes the policy and shows
# the change arrive, then cleans up. (The MCP call across the mesh joins this demo as the
# node agent's MCP bridge lands; see the README's status table.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== building (first build takes a few minutes)"
swift build --product mcpmesh >/dev/null
swift build --product mcpmesh-coordinator >/dev/null
bin=$(swift build --show-bin-path)
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

step "policy: laptops may use the nas's files server, read tools only"
cat > "$work/policy.json" <<'JSON'
{
  // who may use which MCP servers and tools; everything else is denied
  "tags": ["tag:laptop", "tag:nas"],
  "grants": [
    { "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["files:read_*", "files:list_*"] },
  ],
}
JSON
"$coord" policy set "$work/policy.json" --state "$work/coordinator"

step "join keys, and two nodes joining with them"
nas_key=$("$coord" joinkey create --tag tag:nas --state "$work/coordinator" 2>/dev/null)
laptop_key=$("$coord" joinkey create --tag tag:laptop --state "$work/coordinator" 2>/dev/null)
echo "join key for the nas: $nas_key"
"$mesh" up --join "$nas_key" --state "$work/nas" --name nas --listen 127.0.0.1:0 --server files > "$work/nas.log" 2>&1 &
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
    { "src": "node:laptop", "allow": ["nas/files/read_file"], "deny": ["nas/files/write_file"] },
  ],
}
"""
open(sys.argv[2], "w").write(text)
PY
"$coord" policy set "$work/policy-tested.json" --state "$work/coordinator"

step "what each node's signed netmap says"
echo "nas:    $(peers "$work/nas/netmap.json")"
echo "laptop: $(peers "$work/laptop/netmap.json")"

step "the admin revokes the grant; both nodes get new netmaps within seconds"
cat > "$work/deny.json" <<'JSON'
{ "tags": ["tag:laptop", "tag:nas"], "grants": [] }
JSON
"$coord" policy set "$work/deny.json" --state "$work/coordinator"
sleep 1
echo "nas:    $(peers "$work/nas/netmap.json")"
echo "laptop: $(peers "$work/laptop/netmap.json")"

step "done: coordinator, two nodes, signed netmaps, live policy changes"
