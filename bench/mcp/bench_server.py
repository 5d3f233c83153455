"""A minimal stdio MCP server for benchmarks (no dependencies): tools `echo` (returns its
text) and `blob` (returns `size` bytes of text). Newline-delimited JSON-RPC, as MCP's stdio
transport frames it."""
import json
import sys

TOOLS = [
    {"name": "echo", "description": "Returns its text.",
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}},
    {"name": "blob", "description": "Returns size bytes of text.",
     "inputSchema": {"type": "object", "properties": {"size": {"type": "integer"}}}},
]


def reply(id_, result):
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": id_, "result": result}) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    msg = json.loads(line)
    method, id_ = msg.get("method"), msg.get("id")
    if id_ is None:
        continue
    if method == "initialize":
        reply(id_, {"protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                    "serverInfo": {"name": "bench", "version": "1"}})
    elif method == "tools/list":
        reply(id_, {"tools": TOOLS})
    elif method == "tools/call":
        args = msg["params"].get("arguments", {})
        if msg["params"]["name"] == "echo":
            text = args.get("text", "")
        else:
            size = int(args.get("size", 0))
            text = ("0123456789abcdef" * (size // 16 + 1))[:size]
        reply(id_, {"content": [{"type": "text", "text": text}]})
    else:
        sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": id_, "error": {"code": -32601, "message": "no"}}) + "\n")
        sys.stdout.flush()
