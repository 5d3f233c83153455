"""Times MCP round trips over a stdio command: 1,000 tools/call `echo` (p50, p99) and one
10 MB `blob` result (checked intact). Prints one JSON object.
Usage: bench_client.py COMMAND [ARGS...]"""
import json
import subprocess
import sys
import time

proc = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1 << 20)
next_id = 0


def call(method, params):
    global next_id
    next_id += 1
    proc.stdin.write((json.dumps({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params}) + "\n").encode())
    proc.stdin.flush()
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the server closed the session")
        msg = json.loads(line)
        if msg.get("id") == next_id:
            return msg


call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}})
proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
proc.stdin.flush()
for _ in range(50):  # warm up
    call("tools/call", {"name": "echo", "arguments": {"text": "warm"}})
times = []
for i in range(1000):
    t = time.perf_counter()
    r = call("tools/call", {"name": "echo", "arguments": {"text": f"hello {i}"}})
    times.append((time.perf_counter() - t) * 1000)
    assert r["result"]["content"][0]["text"] == f"hello {i}"
times.sort()
size = 10 * 1000 * 1000
t = time.perf_counter()
r = call("tools/call", {"name": "blob", "arguments": {"size": size}})
blob_ms = (time.perf_counter() - t) * 1000
text = r["result"]["content"][0]["text"]
intact = len(text) == size and text == ("0123456789abcdef" * (size // 16 + 1))[:size]
proc.stdin.close()
proc.wait(timeout=10)
print(json.dumps({"p50_ms": times[499], "p99_ms": times[989], "mean_ms": sum(times) / len(times),
                  "blob_10mb_ms": blob_ms, "blob_intact": intact}))
