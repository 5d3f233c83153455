#!/usr/bin/env bash
# MCP benchmark, side by side in one run: 1,000 tools/call round trips to the same stdio
# MCP server (bench/mcp/bench_server.py) directly over stdio and through the mesh (a
# coordinator and two nodes on loopback, `mcpmesh connect`), p50 and p99, and a 10 MB result.
# Release build. Usage: bench/mcp.sh
# Environment: MCPMESH_BENCH_CONFIG (release, or debug for a quick check),
# MCPMESH_BENCH_SCRATCH (the build directory, default .build), and MCPMESH_BENCH_BIN (a
# directory holding mcpmesh and mcpmesh-coordinator to run instead of building: for A/B
# runs of two builds).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
config=${MCPMESH_BENCH_CONFIG:-release}
build=(swift build -c "$config" --scratch-path "${MCPMESH_BENCH_SCRATCH:-.build}")
if [ -n "${MCPMESH_BENCH_BIN:-}" ]; then
    bin=$MCPMESH_BENCH_BIN
else
    "${build[@]}" --product mcpmesh >/dev/null
    "${build[@]}" --product mcpmesh-coordinator >/dev/null
    bin=$("${build[@]}" --show-bin-path)
fi
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
server="$(pwd)/bench/mcp/bench_server.py"

"$bin/mcpmesh-coordinator" serve --state "$work/c" --listen "127.0.0.1:$port" > "$work/c.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/c/admin.sock" ] && break; sleep 0.1; done
cat > "$work/p.json" <<'JSON'
{ "tags": ["tag:a", "tag:b"], "grants": [{ "src": ["tag:a"], "dst": ["tag:b"], "mcp": ["bench"] }] }
JSON
"$bin/mcpmesh-coordinator" policy set "$work/p.json" --state "$work/c" >/dev/null
cat > "$work/servers.json" <<JSON
{ "mcpServers": { "bench": { "command": "python3", "args": ["$server"] } } }
JSON
kb=$("$bin/mcpmesh-coordinator" joinkey create --tag tag:b --state "$work/c" 2>/dev/null)
ka=$("$bin/mcpmesh-coordinator" joinkey create --tag tag:a --state "$work/c" 2>/dev/null)
"$bin/mcpmesh" up --join "$kb" --state "$work/b" --name b --listen 127.0.0.1:0 --config "$work/servers.json" > "$work/b.log" 2>&1 &
pids+=($!)
"$bin/mcpmesh" up --join "$ka" --state "$work/a" --name a --listen 127.0.0.1:0 > "$work/a.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do "$bin/mcpmesh" servers --state "$work/a" 2>/dev/null | grep -q "b/bench" && break; sleep 0.1; done

direct=$(python3 bench/mcp/bench_client.py python3 "$server")
mesh=$(python3 bench/mcp/bench_client.py "$bin/mcpmesh" connect b/bench --state "$work/a")
python3 - "$direct" "$mesh" <<'PY'
import json, sys, subprocess
d, m = json.loads(sys.argv[1]), json.loads(sys.argv[2])
cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
print(f"MCP benchmark, {cpu}, 1,000 tools/call round trips after 50 warm-up calls")
print()
print("| path | p50 ms | p99 ms | mean ms | 10 MB result ms | 10 MB intact |")
print("|---|---|---|---|---|---|")
for name, r in (("direct stdio", d), ("through the mesh (mcpmesh connect)", m)):
    print(f"| {name} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {r['mean_ms']:.3f} | {r['blob_10mb_ms']:.1f} | {r['blob_intact']} |")
print(f"| mesh overhead | {m['p50_ms'] - d['p50_ms']:.3f} | {m['p99_ms'] - d['p99_ms']:.3f} | {m['mean_ms'] - d['mean_ms']:.3f} | {m['blob_10mb_ms'] - d['blob_10mb_ms']:.1f} | |")
PY
