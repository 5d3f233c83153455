"""An MCP client (the official Python SDK) that reaches nas/time through the mesh with
`mcpmesh connect`, lists tools, calls the granted one, and tries a tool the policy denies.
Usage: time_client.py MCPMESH STATE_DIR PEER/SERVER"""
import asyncio
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main():
    mcpmesh, state, target = sys.argv[1], sys.argv[2], sys.argv[3]
    params = StdioServerParameters(command=mcpmesh, args=["connect", target, "--state", state])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            print("tools/list through the mesh:", [t.name for t in tools.tools])
            started = time.time()
            result = await session.call_tool("get_current_time", {"timezone": "UTC"})
            elapsed = (time.time() - started) * 1000
            print(f"tools/call get_current_time ({elapsed:.1f} ms):", " ".join(result.content[0].text.split()))
            try:
                await session.call_tool("convert_time", {"source_timezone": "UTC", "time": "12:00",
                                                         "target_timezone": "Asia/Tokyo"})
                print("tools/call convert_time: allowed (unexpected!)")
                sys.exit(1)
            except Exception as error:  # the SDK raises the JSON-RPC error
                print("tools/call convert_time:", error)


asyncio.run(main())
