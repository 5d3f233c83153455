"""An MCP client (the official Python SDK's Streamable HTTP client) for the agent's loopback
gateway (`mcpmesh up --http 127.0.0.1:PORT`): connects to URL, lists the tools, calls TOOL
with ARGUMENTS (JSON), and prints one JSON line: the tool names, the result's text, whether
it is an error, and when each progress notification and the result arrived (seconds after
the call).
Usage: http_client.py URL TOOL [ARGUMENTS]
  e.g. http_client.py http://127.0.0.1:8080/nas/time/mcp get_current_time '{"timezone": "UTC"}'"""
import asyncio
import json
import sys
import time

from mcp import ClientSession

try:  # mcp 2.x
    from mcp.client.streamable_http import streamable_http_client as connect
except ImportError:  # mcp 1.x
    from mcp.client.streamable_http import streamablehttp_client as connect


async def main():
    url, tool = sys.argv[1], sys.argv[2]
    arguments = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    async with connect(url) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            progress = []
            started = time.monotonic()

            async def on_progress(value, total, message):
                progress.append({"after_s": time.monotonic() - started, "progress": value, "total": total,
                                 "message": message})

            result = await session.call_tool(tool, arguments, progress_callback=on_progress)
            text = " ".join(c.text for c in result.content if getattr(c, "text", None))
            print(json.dumps({"tools": [t.name for t in tools.tools], "result": text,
                              "is_error": bool(result.is_error if hasattr(result, "is_error") else result.isError),
                              "result_after_s": time.monotonic() - started, "progress": progress}), flush=True)


asyncio.run(main())
