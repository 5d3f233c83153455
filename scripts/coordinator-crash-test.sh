#!/usr/bin/env bash
# Crash test for the coordinator's registry (issue 4, "Proof"): while admin writes run in a
# loop (joinkey create, policy set with alternating files, nodes tag), SIGKILL the
# coordinator at a random moment, KILLS times. After each restart, every acknowledged write
# (its command exited 0) must be present, and `PRAGMA integrity_check` must print ok.
#
# Usage: scripts/coordinator-crash-test.sh [KILLS]   (default 20)
# Environment: MCPMESH_COORDINATOR=path/to/mcpmesh-coordinator (default: build it with
#              `swift build --product mcpmesh-coordinator`), CRASH_SEED=N for a repeatable run.
# Loopback only; every loop and wait is bounded. Ends with the line
#   crash test: N kills, M acknowledged writes checked, 0 lost
set -euo pipefail
cd "$(dirname "$0")/.."

kills=${1:-20}
RANDOM=${CRASH_SEED:-$$}

if ! command -v sqlite3 >/dev/null 2>&1; then
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq sqlite3 >/dev/null
fi

bin=${MCPMESH_COORDINATOR:-}
if [ -z "$bin" ]; then
  swift build --product mcpmesh-coordinator >/dev/null
  bin="$(swift build --show-bin-path)/mcpmesh-coordinator"
fi
[ -x "$bin" ] || { echo "crash test: no executable at $bin" >&2; exit 1; }

work=$(mktemp -d /tmp/mcc-crash-XXXXXX)
state="$work/state"
acks="$work/acks"          # one line per acknowledged write
attempts="$work/attempts"  # one line per tag write, written before it runs
: >"$acks"; : >"$attempts"
server=""
cleanup() {
  [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

start_server() {
  "$bin" serve --state "$state" --listen "127.0.0.1:$port" --log-level "${LOG_LEVEL:-warning}" 2>>"$work/server.log" &
  server=$!
  for _ in $(seq 1 300); do
    if "$bin" status --state "$state" >/dev/null 2>&1; then return 0; fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.05
  done
  echo "crash test: the coordinator did not start; its log:" >&2
  tail -20 "$work/server.log" >&2
  exit 1
}

# A policy declaring tag:crash-0 … tag:crash-7; its first line carries a unique marker so
# each stored version can be told apart. Two shapes alternate.
write_policy() { # N FILE
  local n=$1 file=$2 dst
  if [ $((n % 2)) -eq 0 ]; then dst='"tag:crash-1", "tag:crash-2"'; else dst='"*"'; fi
  cat >"$file" <<POLICY
// crash-write-$n
{
  "tags": ["tag:crash-0", "tag:crash-1", "tag:crash-2", "tag:crash-3",
           "tag:crash-4", "tag:crash-5", "tag:crash-6", "tag:crash-7"],
  "grants": [ { "src": ["tag:crash-0"], "dst": [$dst], "mcp": ["files"] } ],
  "tests": [ { "src": "node:crash-1", "deny": ["crash-2/git/push"] } ],
}
POLICY
}

# The tags for tag write N: the set bits of N % 255 + 1 over tag:crash-0 … tag:crash-7.
tags_for() {
  local bits=$(( $1 % 255 + 1 )) i out=()
  for i in 0 1 2 3 4 5 6 7; do
    [ $(( (bits >> i) & 1 )) -eq 1 ] && out+=("tag:crash-$i")
  done
  echo "${out[@]}"
}

# Runs admin writes until the coordinator stops answering (or 400 writes), recording each
# acknowledged one.
writer() { # ROUND
  local round=$1 i n out tags node
  for i in $(seq 1 400); do
    n="$round-$i"
    case $((i % 3)) in
      0)
        if out=$("$bin" joinkey create --state "$state" --tag tag:crash-3 --expires 7d 2>"$work/err"); then
          echo "joinkey $(sed -nE 's/^join key ([a-z0-9]+):.*/\1/p' "$work/err")" >>"$acks"
        elif [ $? -eq 3 ]; then return 0; fi ;;
      1)
        write_policy "$n" "$work/policy.json"
        if out=$("$bin" policy set --state "$state" "$work/policy.json" 2>/dev/null); then
          echo "policy $(sed -nE 's/^policy version ([0-9]+) is live.*/\1/p' <<<"$out") crash-write-$n" >>"$acks"
        elif [ $? -eq 3 ]; then return 0; fi ;;
      2)
        node="crash-$(( (i / 3) % 3 + 1 ))"
        tags=$(tags_for "$((RANDOM + i))")
        echo "tag $n $node $tags" >>"$attempts"
        # shellcheck disable=SC2086
        if "$bin" nodes tag --state "$state" "$node" $tags >/dev/null 2>&1; then
          echo "tag $n $node $tags" >>"$acks"
        elif [ $? -eq 3 ]; then return 0; fi ;;
    esac
  done
}

# Every acknowledged write is present; prints how many were checked, or fails naming the
# lost ones.
verify() {
  "$bin" joinkey list --state "$state" --json >"$work/keys.json"
  "$bin" nodes list --state "$state" --json >"$work/nodes.json"
  sqlite3 -separator ' ' "$state/registry.sqlite" \
    "SELECT version, substr(text, 4, instr(text, char(10)) - 4) FROM policy_versions" >"$work/policies.txt"
  python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
keys = {k["id"] for k in json.load(open(f"{work}/keys.json"))["join_keys"]}
nodes = {n["name"]: sorted(n["tags"]) for n in json.load(open(f"{work}/nodes.json"))["nodes"]}
policies = {}
for line in open(f"{work}/policies.txt"):
    version, marker = line.split()
    policies[version] = marker
attempts = [line.split() for line in open(f"{work}/attempts")]
lost, checked = [], 0
last_tag = {}
for line in open(f"{work}/acks"):
    kind, *rest = line.split()
    checked += 1
    if kind == "joinkey":
        if rest[0] not in keys: lost.append(f"join key {rest[0]}")
    elif kind == "policy":
        version, marker = rest
        if policies.get(version) != marker: lost.append(f"policy version {version} ({marker}) holds {policies.get(version)}")
    elif kind == "tag":
        last_tag[rest[1]] = rest[0]
# A node's tags are those of its last acknowledged tag write, or of a write attempted after it
# (one that committed but whose reply the kill cut off).
for node, write in last_tag.items():
    attempted = [a for a in attempts if a[2] == node]
    position = next(i for i, a in enumerate(attempted) if a[1] == write)
    allowed = [sorted(a[3:]) for a in attempted[position:]]
    if nodes.get(node) not in allowed:
        lost.append(f"tags of {node}: {nodes.get(node)}, expected {allowed[0]} or a later attempt")
for item in lost: print(f"LOST {item}", file=sys.stderr)
print(checked)
sys.exit(1 if lost else 0)
PY
}

# Seed: a first run makes the schema; three nodes are added directly (the control protocol
# that registers nodes needs node processes, which this test does not run). Their keys are
# the RFC 8032 test-vector public keys.
start_server
kill -TERM "$server"; wait "$server" || true; server=""
now=$(date -u '+%Y-%m-%d %H:%M:%S.000')
sqlite3 "$state/registry.sqlite" <<SQL
INSERT INTO join_keys (id, secret_hash, tags, reusable, ephemeral, created_at, use_count)
  VALUES ('crashseed', '$(printf '0%.0s' $(seq 1 64))', '[]', 1, 0, '$now', 3);
INSERT INTO nodes (name, public_key, created_at, key_expiry, last_seen_at, join_key_id) VALUES
  ('crash-1', 'mpk:d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '$now', '2099-01-01 00:00:00.000', '$now', 'crashseed'),
  ('crash-2', 'mpk:3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '$now', '2099-01-01 00:00:00.000', '$now', 'crashseed'),
  ('crash-3', 'mpk:fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', '$now', '2099-01-01 00:00:00.000', '$now', 'crashseed');
SQL
start_server
write_policy 0 "$work/policy.json"
"$bin" policy set --state "$state" "$work/policy.json" >/dev/null
echo "policy 1 crash-write-0" >>"$acks"

checked=0
for round in $(seq 1 "$kills"); do
  writer "$round" &
  writer_pid=$!
  # Kill at a random moment 0.2–2.0 s into the writes.
  sleep "$(( RANDOM % 19 / 10 )).$(( RANDOM % 10 ))"
  sleep 0.2
  if ! kill -9 "$server" 2>/dev/null; then
    echo "crash test: the coordinator exited by itself during round $round; its log:" >&2
    tail -20 "$work/server.log" >&2
    exit 1
  fi
  wait "$server" 2>/dev/null || true
  server=""
  wait "$writer_pid"
  start_server
  integrity=$(sqlite3 "$state/registry.sqlite" 'PRAGMA integrity_check')
  if [ "$integrity" != "ok" ]; then
    echo "crash test: after kill $round, integrity_check says: $integrity" >&2
    exit 1
  fi
  if ! checked=$(verify); then
    echo "crash test: $round kills, $(wc -l <"$acks") acknowledged writes checked, some lost (see above)" >&2
    exit 1
  fi
  echo "kill $round: $checked acknowledged writes present, integrity ok"
done

kill -TERM "$server"
status=0; wait "$server" || status=$?
server=""
[ "$status" -eq 0 ] || { echo "crash test: the coordinator exited $status on SIGTERM" >&2; exit 1; }
echo "crash test: $kills kills, $checked acknowledged writes checked, 0 lost"
