"""A test MCP server (the official Python SDK's MCPServer) for the pass-through end-to-end
tests: large results, progress and log notifications, cancellation, session ends.

Usage: test_server.py [--http PORT] [--token TOKEN] [--events FILE]

Over stdio by default; with --http, Streamable HTTP on 127.0.0.1:PORT/mcp (loopback only),
refusing requests without `Authorization: Bearer TOKEN` when --token is given.

Tools:
  blob(size)              a text of exactly `size` bytes: 16-byte records "%015d\\n" of each
                          record's offset, cut to `size` (so any lost, reordered or
                          altered byte shows)
  count(n, delay_ms)      reports progress 1..n of n (and a log message per step), then
                          returns "counted n"
  sleep(seconds)          sleeps; records "sleep-started", then "sleep-cancelled" when it is
                          cancelled or "sleep-finished"
  secret()                records "secret-called" (for checking that a denied call never
                          reaches the server)

Events (one JSON object a line, appended to --events or $TEST_SERVER_EVENTS):
  {"event": "start", "pid": ..., "transport": "stdio"|"http"}
  {"event": "sleep-started" | "sleep-cancelled" | "sleep-finished" | "secret-called", "pid": ...}
  {"event": "unauthorized", "method": ...}                        (HTTP, bad or no token)
  {"event": "session-opened", "session": ID}                      (HTTP)
  {"event": "session-deleted", "session": ID, "status": N, "open": [IDs still open]} (HTTP)
"""
import argparse
import json
import os
import sys

import anyio
from mcp.server.mcpserver import Context, MCPServer

EVENTS = os.environ.get("TEST_SERVER_EVENTS")


def record(event, **fields):
    if not EVENTS:
        return
    line = json.dumps({"event": event, "pid": os.getpid(), **fields}) + "\n"
    fd = os.open(EVENTS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def blob_text(size):
    records = "".join(f"{offset:015d}\n" for offset in range(0, size + 16, 16))
    return records[:size]


server = MCPServer("mcpmesh-test-server")


@server.tool(structured_output=False)
def blob(size: int) -> str:
    """A text of exactly `size` bytes, records of their own offsets."""
    return blob_text(size)


@server.tool(structured_output=False)
async def count(n: int, delay_ms: int, ctx: Context) -> str:
    """Reports progress n times, delay_ms apart, then returns."""
    for i in range(1, n + 1):
        await ctx.report_progress(i, n, f"step {i}")
        await ctx.info(f"count step {i}")
        await anyio.sleep(delay_ms / 1000)
    return f"counted {n}"


@server.tool(structured_output=False)
async def sleep(seconds: float) -> str:
    """Sleeps; records whether it finished or was cancelled."""
    record("sleep-started")
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        record("sleep-cancelled")
        raise
    record("sleep-finished")
    return f"slept {seconds}"


@server.tool(structured_output=False)
def secret() -> str:
    """A tool the tests' policy does not grant."""
    record("secret-called")
    return "secret"


class Guard:
    """ASGI middleware: checks the bearer token and records sessions opened and deleted."""

    def __init__(self, app, token):
        self.app = app
        self.token = token
        self.open = set()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        method = scope["method"]
        if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
            record("unauthorized", method=method)
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"unauthorized"})
            return
        session = headers.get("mcp-session-id")

        async def watching(message):
            if message["type"] == "http.response.start":
                status = message["status"]
                assigned = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}.get("mcp-session-id")
                if method == "POST" and assigned and assigned not in self.open:
                    self.open.add(assigned)
                    record("session-opened", session=assigned)
                if method == "DELETE":
                    if 200 <= status < 300:
                        self.open.discard(session)
                    record("session-deleted", session=session, status=status, open=sorted(self.open))
            await send(message)

        await self.app(scope, receive, watching)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, metavar="PORT")
    parser.add_argument("--token")
    parser.add_argument("--events")
    args = parser.parse_args()
    global EVENTS
    EVENTS = args.events or EVENTS
    if args.http is None:
        record("start", transport="stdio")
        server.run()
        return
    import uvicorn

    record("start", transport="http", port=args.http)
    app = Guard(server.streamable_http_app(host="127.0.0.1"), args.token)
    uvicorn.run(app, host="127.0.0.1", port=args.http, log_level="warning", lifespan="on")


if __name__ == "__main__":
    sys.exit(main())
