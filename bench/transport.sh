#!/usr/bin/env bash
# Transport benchmark, side by side in one run on loopback, two processes each:
#   - 1 GiB through `mcpmesh debug perf` (default datagram size), release build;
#   - the same bytes over plain TCP;
#   - the same bytes through an OpenSSH `ssh -L` tunnel (chacha20-poly1305@openssh.com);
#   - single-core ChaCha20-Poly1305 rate for packets of the default size, and responder
#     handshakes per second beside the cost of their X25519 operations (bench package).
# Each path runs ROUNDS times (default 3), interleaved, so a burst of load elsewhere on the
# machine hits all of them alike; the table gives the median and the range.
# Prints one table. Usage: [ROUNDS=N] bench/transport.sh [BYTES]   (default 1 GiB)
set -euo pipefail
cd "$(dirname "$0")/.."
bytes=${1:-1073741824}
rounds=${ROUNDS:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench/transport.sh runs sshd and installs packages: run it as root" >&2; exit 1; }
scripts/install-deps.sh
dpkg -s openssh-server >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null
sysctl -q -w net.core.rmem_max=33554432 net.core.wmem_max=33554432 || true

swift build -c release --product mcpmesh >/dev/null
swift build -c release --package-path bench/transport --scratch-path .build-bench-transport >/dev/null
mcpmesh=.build/release/mcpmesh
tbench=$(swift build -c release --package-path bench/transport --scratch-path .build-bench-transport --show-bin-path)/TransportBench

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A TCP sink that counts bytes until EOF, and a source that sends N bytes; the source
# prints the seconds from connect to the sink's acknowledgement of the last byte.
cat > "$work/tcp.py" <<'PY'
import socket, sys, time
mode, port = sys.argv[1], int(sys.argv[2])
if mode == "sink":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(1)
    print("ready", flush=True)
    while True:
        c, _ = s.accept(); n = 0
        buf = bytearray(1 << 20)
        while True:
            k = c.recv_into(buf)
            if not k: break
            n += k
        c.sendall(str(n).encode()); c.close()
else:
    total = int(sys.argv[3]); chunk = bytes(1 << 20)
    c = socket.create_connection(("127.0.0.1", port)); t = time.time(); left = total
    while left > 0:
        k = min(left, len(chunk)); c.sendall(chunk[:k]); left -= k
    c.shutdown(socket.SHUT_WR); got = int(c.recv(64)); dt = time.time() - t
    assert got == total, (got, total)
    print(f"{dt:.3f}")
PY

sink_port=$(free_port)
python3 "$work/tcp.py" sink "$sink_port" > "$work/sink.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$work/sink.log" 2>/dev/null && break; sleep 0.1; done

# sshd on a loopback port with throwaway host and client keys.
ssh_port=$(free_port); tunnel_port=$(free_port)
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"; chmod 600 "$work/authorized_keys"
mkdir -p /run/sshd
cat > "$work/sshd_config" <<CFG
Port $ssh_port
ListenAddress 127.0.0.1
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
StrictModes no
Ciphers chacha20-poly1305@openssh.com
AllowTcpForwarding yes
PidFile $work/sshd.pid
CFG
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2> "$work/sshd.log" &
pids+=($!)
sleep 0.5
ssh -N -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR \
    -c chacha20-poly1305@openssh.com -i "$work/client_key" -p "$ssh_port" \
    -L "127.0.0.1:$tunnel_port:127.0.0.1:$sink_port" root@127.0.0.1 &
pids+=($!)
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$tunnel_port)).close()" 2>/dev/null && break; sleep 0.1; done

# The mesh: perf server and client, release build, default datagram size.
mesh_port=$(free_port)
"$mcpmesh" debug perf server --listen "127.0.0.1:$mesh_port" > "$work/perf.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/perf.log" ] && break; sleep 0.1; done
key=$(head -1 "$work/perf.log")

tcp_all=(); ssh_all=(); mesh_all=(); mesh_rtx=0
for round in $(seq "$rounds"); do
    tcp_all+=("$(python3 "$work/tcp.py" source "$sink_port" "$bytes")")
    ssh_all+=("$(python3 "$work/tcp.py" source "$tunnel_port" "$bytes")")
    mesh_json=$("$mcpmesh" debug perf client --connect "127.0.0.1:$mesh_port" --peer-key "$key" --bytes "$bytes" --json --timeout 900)
    mesh_all+=("$(python3 -c "import json,sys; print('%.3f' % json.loads(sys.argv[1])['seconds'])" "$mesh_json")")
    mesh_rtx=$((mesh_rtx + $(python3 -c "import json,sys; print(json.loads(sys.argv[1])['retransmits'])" "$mesh_json")))
    echo "round $round: tcp ${tcp_all[-1]} s, ssh -L ${ssh_all[-1]} s, mesh ${mesh_all[-1]} s" >&2
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
tcp_s=$(median "${tcp_all[@]}"); ssh_s=$(median "${ssh_all[@]}"); mesh_s=$(median "${mesh_all[@]}")

crypto=$("$tbench")

mbps() { python3 -c "print('%.0f' % ($bytes / $1 / 1e6))"; }
range() { printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | tac | while read -r s; do mbps "$s"; done | paste -sd-; }
echo
echo "Transport benchmark, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%F)"
echo "$((bytes / 1048576)) MiB over loopback, two processes each; median of $rounds interleaved rounds"
echo
printf '| %-46s | %10s | %10s | %12s |\n' "path" "seconds" "MB/s" "range MB/s"
printf '|%s|%s|%s|%s|\n' "------------------------------------------------" "------------" "------------" "--------------"
printf '| %-46s | %10s | %10s | %12s |\n' "plain TCP (python sender and sink)" "$tcp_s" "$(mbps "$tcp_s")" "$(range "${tcp_all[@]}")"
printf '| %-46s | %10s | %10s | %12s |\n' "ssh -L tunnel, chacha20-poly1305@openssh.com" "$ssh_s" "$(mbps "$ssh_s")" "$(range "${ssh_all[@]}")"
printf '| %-46s | %10s | %10s | %12s |\n' "mcpmesh debug perf (1 stream, $mesh_rtx retransmits)" "$mesh_s" "$(mbps "$mesh_s")" "$(range "${mesh_all[@]}")"
echo
echo "mesh / ssh -L: $(python3 -c "print('%.0f %%' % (100 * $ssh_s / $mesh_s))") (medians)"
echo
echo "$crypto"
