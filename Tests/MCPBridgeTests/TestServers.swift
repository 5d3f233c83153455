import Foundation

/// Small dependency-free MCP servers in Python, written to a temporary directory at test
/// time, for the upstream and session tests.
enum TestServers {
    /// A stdio MCP server: initialize, ping, tools/list (five tools), tools/call, a resource
    /// and a prompt. Tools: `read_file`, `write_file`, `echo` (returns its arguments), `big`
    /// (returns `size` bytes of text), `slow` (sends progress, then answers after `ms`),
    /// `info` (its pid, a grandchild's pid, and the environment variable `var`).
    /// With IGNORE_SIGTERM=1 it ignores SIGTERM, with HANG_ON_EOF=1 it keeps running after
    /// stdin ends, and with SPAWN_CHILD=1 it starts a `sleep`.
    static let stdioServer = #"""
import json, os, signal, subprocess, sys, time

if os.environ.get("IGNORE_SIGTERM") == "1":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = None
if os.environ.get("SPAWN_CHILD") == "1":
    child = subprocess.Popen(["sleep", "1000"])
sys.stderr.write("test server starting, pid %d\n" % os.getpid())
sys.stderr.flush()

TOOLS = [
    {"name": "read_file", "description": "Read a file", "inputSchema": {"type": "object", "properties": {"path": {"type": "string"}}}},
    {"name": "write_file", "description": "Write a file", "inputSchema": {"type": "object"}},
    {"name": "echo", "inputSchema": {"type": "object"}},
    {"name": "big", "inputSchema": {"type": "object", "properties": {"size": {"type": "integer"}}}},
    {"name": "slow", "inputSchema": {"type": "object"}},
    {"name": "info", "inputSchema": {"type": "object"}},
]

def send(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()

def text(s):
    return {"content": [{"type": "text", "text": s}], "isError": False}

for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        msg = json.loads(line)
    except Exception:
        send({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}})
        continue
    method, mid, params = msg.get("method"), msg.get("id"), msg.get("params") or {}
    if method is None or mid is None:
        continue
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": mid, "result": {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {"listChanged": True}, "resources": {}, "prompts": {}},
            "serverInfo": {"name": "test-server", "version": "1.0"}}})
    elif method == "ping":
        send({"jsonrpc": "2.0", "id": mid, "result": {}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": mid, "result": {"tools": TOOLS, "nextCursor": "end"}})
    elif method == "resources/list":
        send({"jsonrpc": "2.0", "id": mid, "result": {"resources": [{"uri": "test://a", "name": "a"}]}})
    elif method == "prompts/list":
        send({"jsonrpc": "2.0", "id": mid, "result": {"prompts": [{"name": "hello"}]}})
    elif method == "tools/call":
        name, args = params.get("name"), params.get("arguments") or {}
        if name == "echo":
            send({"jsonrpc": "2.0", "id": mid, "result": text(json.dumps(args, sort_keys=True))})
        elif name in ("read_file", "write_file"):
            send({"jsonrpc": "2.0", "id": mid, "result": text(name + " " + str(args.get("path")))})
        elif name == "big":
            send({"jsonrpc": "2.0", "id": mid, "result": text("x" * int(args.get("size", 10)))})
        elif name == "slow":
            token = (params.get("_meta") or {}).get("progressToken")
            if token is not None:
                send({"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": token, "progress": 1, "total": 2}})
            time.sleep(int(args.get("ms", 100)) / 1000.0)
            send({"jsonrpc": "2.0", "id": mid, "result": text("done")})
        elif name == "info":
            send({"jsonrpc": "2.0", "id": mid, "result": text(json.dumps({
                "pid": os.getpid(), "child": child.pid if child else None,
                "var": os.environ.get(args.get("var", ""), None), "keys": sorted(os.environ.keys())}))})
        else:
            send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32602, "message": "unknown tool " + str(name)}})
    else:
        send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "method not found"}})

if os.environ.get("HANG_ON_EOF") == "1":
    while True:
        time.sleep(1)
"""#

    /// A Streamable HTTP MCP server on 127.0.0.1 (port printed on its first stdout line).
    /// POST /mcp: initialize assigns `Mcp-Session-Id`; later requests must carry it (404
    /// otherwise). `tools/list` and most calls answer in JSON; `slow` answers as an SSE stream
    /// (a progress notification, then the result); `headers` returns the request headers.
    /// GET /mcp opens an SSE stream that sends one `notifications/message`; DELETE ends the
    /// session. `/events` lists what happened (for assertions).
    static let httpServer = #"""
import json, sys, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SESSIONS = set()
EVENTS = []
TOOLS = [{"name": n, "inputSchema": {"type": "object"}} for n in ("echo", "slow", "headers", "secret")]

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def log_message(self, *args):
        pass

    def reply(self, status, body=None, headers=None, ctype="application/json"):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body is not None:
            data = json.dumps(body).encode()
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self.send_header("Content-Length", "0")
            self.end_headers()

    def do_GET(self):
        if self.path == "/events":
            return self.reply(200, EVENTS)
        sid = self.headers.get("Mcp-Session-Id")
        if sid not in SESSIONS:
            return self.reply(404, {"error": "no session"})
        EVENTS.append("GET " + sid)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        note = {"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": "hello from GET"}}
        self.wfile.write(b": keep-alive\n\nid: g1\nevent: message\ndata: " + json.dumps(note).encode() + b"\n\n")
        self.wfile.flush()
        while sid in SESSIONS:
            time.sleep(0.05)

    def do_DELETE(self):
        sid = self.headers.get("Mcp-Session-Id")
        EVENTS.append("DELETE " + str(sid))
        SESSIONS.discard(sid)
        self.reply(200)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        msg = json.loads(self.rfile.read(length))
        method, mid = msg.get("method"), msg.get("id")
        if method == "initialize":
            sid = str(uuid.uuid4())
            SESSIONS.add(sid)
            EVENTS.append("initialize " + sid)
            return self.reply(200, {"jsonrpc": "2.0", "id": mid, "result": {
                "protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                "serverInfo": {"name": "http-test", "version": "1"}}}, {"Mcp-Session-Id": sid})
        sid = self.headers.get("Mcp-Session-Id")
        if sid not in SESSIONS:
            return self.reply(404, {"jsonrpc": "2.0", "id": mid, "error": {"code": -32001, "message": "session not found"}})
        EVENTS.append("%s %s version=%s" % ("POST", method, self.headers.get("MCP-Protocol-Version")))
        if mid is None:
            return self.reply(202)
        params = msg.get("params") or {}
        if method == "tools/list":
            return self.reply(200, {"jsonrpc": "2.0", "id": mid, "result": {"tools": TOOLS}})
        if method == "tools/call" and params.get("name") == "slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            token = (params.get("_meta") or {}).get("progressToken", "t")
            prog = {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": token, "progress": 1}}
            self.wfile.write(b"id: 1\ndata: \n\n")
            self.wfile.write(b"id: 2\r\ndata: " + json.dumps(prog).encode() + b"\r\n\r\n")
            self.wfile.flush()
            time.sleep(0.2)
            res = {"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": "slow done"}]}}
            body = json.dumps(res)
            half = len(body) // 2
            self.wfile.write(b"id: 3\ndata: " + body[:half].encode())
            self.wfile.flush()
            time.sleep(0.05)
            self.wfile.write(body[half:].encode() + b"\n\n")
            self.wfile.flush()
            return
        if method == "tools/call" and params.get("name") == "headers":
            return self.reply(200, {"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": json.dumps(dict(self.headers))}]}})
        if method == "tools/call" and params.get("name") == "fail":
            return self.reply(500, {"error": "boom"})
        if method == "tools/call":
            return self.reply(200, {"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": json.dumps(params.get("arguments"))}]}})
        return self.reply(200, {"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "method not found"}})

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""#

    /// Writes `script` to a fresh temporary directory and returns its path.
    static func write(_ script: String, named name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mcpbridge-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The python3 interpreter's path.
    static var python: String {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"]
            where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "python3"
    }

    /// True while `pid` is a live (not zombie) process.
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// Waits up to `timeout` for `pid` to be gone.
    static func waitUntilGone(_ pid: Int32, timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !isAlive(pid) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !isAlive(pid)
    }
}
