#!/usr/bin/env bash
# Lossy-path test on real sockets: `mcpmesh debug perf` moves a 16 MiB file intact through a
# UDP impairment relay (scripts/impair_relay.py) with 5 % loss, 15 ± 10 ms delay (so
# reordering) and 1 % duplication in both directions, all on loopback.
# Usage: scripts/lossy-path-test.sh [path/to/mcpmesh]   (CI runs it after the build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/debug/mcpmesh}
[ -x "$bin" ] || { echo "lossy-path test: $bin not built" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Larger socket buffers keep bursts from being dropped by the kernel instead of the relay.
if [ "$(id -u)" -eq 0 ]; then
  sysctl -q -w net.core.rmem_max=33554432 net.core.wmem_max=33554432 2>/dev/null || true
fi

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
server_port=$(free_port)
relay_port=$(free_port)

head -c $((16 * 1024 * 1024)) /dev/urandom > "$work/in.bin"
"$bin" debug perf server --listen "127.0.0.1:$server_port" --out "$work/out.bin" > "$work/server.log" 2>&1 &
pids+=($!)
python3 scripts/impair_relay.py --listen "127.0.0.1:$relay_port" --forward "127.0.0.1:$server_port" \
  --loss 0.05 --delay 15 --jitter 10 --dup 0.01 --seed 7 --max-seconds 600 > "$work/relay.log" 2>&1 &
relay=$!
pids+=($relay)
for _ in $(seq 50); do [ -s "$work/server.log" ] && break; sleep 0.1; done
key=$(head -1 "$work/server.log")

start=$(date +%s.%N)
if ! "$bin" debug perf client --connect "127.0.0.1:$relay_port" --peer-key "$key" --file "$work/in.bin" \
      --timeout 480 --json > "$work/client.json" 2> "$work/client.err"; then
  echo "lossy-path test: FAILED: $(cat "$work/client.err")"
  exit 1
fi
end=$(date +%s.%N)
kill -TERM "$relay"; wait "$relay" 2>/dev/null || true
in_sum=$(sha256sum < "$work/in.bin" | cut -d' ' -f1)
for _ in $(seq 50); do [ -s "$work/out.bin" ] && [ "$(stat -c %s "$work/out.bin")" -eq $((16 * 1024 * 1024)) ] && break; sleep 0.1; done
out_sum=$(sha256sum < "$work/out.bin" | cut -d' ' -f1)
echo "lossy-path test: $(cat "$work/client.json")"
echo "lossy-path test: $(tail -1 "$work/relay.log")"
if [ "$in_sum" != "$out_sum" ]; then
  echo "lossy-path test: FAILED: the file the server wrote differs from the one sent"
  exit 1
fi
printf 'lossy-path test: 16 MiB intact through 5%% loss, 15±10 ms, 1%% duplication in %.1f s\n' "$(echo "$end - $start" | bc)"
