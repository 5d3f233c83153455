import Foundation
import XCTest
@testable import MCPBridge

final class MCPServersConfigTests: XCTestCase {
    private func parse(_ text: String) throws -> MCPServersConfig { try MCPServersConfig.parse(Data(text.utf8)) }

    private func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> MCPBridgeError? {
        do {
            _ = try parse(text)
            XCTFail("parsed", file: file, line: line)
            return nil
        } catch {
            return error as? MCPBridgeError
        }
    }

    func testClaudeDesktopShapeParses() throws {
        let config = try parse("""
        {
          "mcpServers": {
            "files": {
              "command": "npx",
              "args": ["-y", "@modelcontextprotocol/server-filesystem", "/srv/share"],
              "env": {"NODE_ENV": "production"}
            },
            "time": {"type": "stdio", "command": "uvx", "args": ["mcp-server-time"], "cwd": "/tmp"},
            "search": {"url": "https://search.lan/mcp", "headers": {"Authorization": "Bearer abc"}},
            "wiki": {"type": "http", "url": "http://127.0.0.1:8080/mcp"}
          }
        }
        """)
        XCTAssertEqual(config.names, ["files", "search", "time", "wiki"])
        XCTAssertEqual(config.servers["files"], .stdio(StdioServerConfig(
            name: "files", command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "/srv/share"],
            env: ["NODE_ENV": "production"])))
        XCTAssertEqual(config.servers["time"], .stdio(StdioServerConfig(name: "time", command: "uvx", args: ["mcp-server-time"], cwd: "/tmp")))
        XCTAssertEqual(config.servers["search"], .http(HTTPServerConfig(
            name: "search", url: URL(string: "https://search.lan/mcp")!, headers: ["Authorization": "Bearer abc"])))
        XCTAssertEqual(config.servers["wiki"]?.name, "wiki")
        XCTAssertEqual(try parse(#"{"mcpServers":{}}"#).servers.count, 0)
    }

    func testUnknownFieldNamesServerFieldAndPosition() {
        let e = error("""
        {
          "mcpServers": {
            "files": {
              "command": "npx",
              "argz": ["x"]
            }
          }
        }
        """)
        XCTAssertEqual(e, .configField(server: "files", field: "argz", line: 5, column: 7,
                                       reason: "unknown field for a stdio server; allowed: type, command, args, env, cwd"))
        XCTAssertEqual(e?.description,
                       "5:7: server \"files\", field \"argz\": unknown field for a stdio server; allowed: type, command, args, env, cwd")
    }

    func testFieldProblems() {
        let cases: [(String, String?, String)] = [
            (#"{"mcpServers":{"a":{"command":""}}}"#, "a", "command"),
            (#"{"mcpServers":{"a":{"command":7}}}"#, "a", "command"),
            (#"{"mcpServers":{"a":{"command":"x","args":"-y"}}}"#, "a", "args"),
            (#"{"mcpServers":{"a":{"command":"x","args":["-y",3]}}}"#, "a", "args"),
            (#"{"mcpServers":{"a":{"command":"x","env":{"K":1}}}}"#, "a", "env.K"),
            (#"{"mcpServers":{"a":{"command":"x","env":{"A=B":"1"}}}}"#, "a", "env.A=B"),
            (#"{"mcpServers":{"a":{"command":"x","env":["K"]}}}"#, "a", "env"),
            (#"{"mcpServers":{"a":{"url":"ftp://x/mcp"}}}"#, "a", "url"),
            (#"{"mcpServers":{"a":{"url":"/mcp"}}}"#, "a", "url"),
            (#"{"mcpServers":{"a":{"url":"http://h/mcp","headers":{"Bad Name":"v"}}}}"#, "a", "headers.Bad Name"),
            (#"{"mcpServers":{"a":{"url":"http://h/mcp","headers":{"X":"a\r\nInjected: 1"}}}}"#, "a", "headers.X"),
            (#"{"mcpServers":{"a":{"url":"http://h/mcp","command":"x"}}}"#, "a", "url"),
            (#"{"mcpServers":{"a":{}}}"#, "a", "command"),
            (#"{"mcpServers":{"a":{"url":"http://h/mcp","args":[]}}}"#, "a", "args"),
            (#"{"mcpServers":{"a":{"type":"sse","url":"http://h/sse"}}}"#, "a", "type"),
            (#"{"mcpServers":{"a":{"type":"stdio","url":"http://h/mcp"}}}"#, "a", "type"),
            (#"{"mcpServers":{"a":{"type":"websocket","command":"x"}}}"#, "a", "type"),
            (#"{"mcpServers":{"a":"npx"}}"#, "a", "(server)"),
            (#"{"mcpServers":{"my server":{"command":"x"}}}"#, "my server", "name"),
            (#"{"mcpServers":{"a/b":{"command":"x"}}}"#, "a/b", "name"),
            (#"{"mcpServers":{"":{"command":"x"}}}"#, "", "name"),
            (#"{"mcpServers":[]}"#, nil, "mcpServers"),
            (#"{"servers":{}}"#, nil, "servers"),
            (#"{}"#, nil, "mcpServers"),
            (#"[]"#, nil, "mcpServers"),
            (#"{"mcpServers":{},"globalShortcut":"x"}"#, nil, "globalShortcut"),
        ]
        for (text, server, field) in cases {
            guard case .configField(let s, let f, let line, let column, let reason)? = error(text) else {
                XCTFail("no field error for \(text)")
                continue
            }
            XCTAssertEqual(s, server, text)
            XCTAssertEqual(f, field, text)
            XCTAssertEqual(line, 1, text)
            XCTAssertGreaterThan(column, 0, text)
            XCTAssertFalse(reason.isEmpty)
        }
    }

    func testSSEHintMentionsStreamableHTTP() {
        let e = error(#"{"mcpServers":{"a":{"type":"sse","url":"http://h/sse"}}}"#)
        XCTAssertTrue(e?.description.contains("Streamable HTTP") == true, e?.description ?? "")
    }

    func testSyntaxErrorsHaveLineAndColumn() {
        XCTAssertEqual(error("{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\",}\n  }\n}"),
                       .configSyntax(line: 3, column: 26, reason: "unexpected \"}\" where a quoted key was expected"))
        guard case .configSyntax(let line, _, let reason)? = error("{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}\n// comment") else {
            return XCTFail("comment accepted")
        }
        XCTAssertEqual(line, 2)
        XCTAssertTrue(reason.contains("after the JSON value"), reason)
        guard case .configSyntax(let dupLine, let dupColumn, _)? = error("{\"mcpServers\": {\n\"a\": {\"command\": \"x\"},\n\"a\": {\"command\": \"y\"}}}") else {
            return XCTFail("duplicate server accepted")
        }
        XCTAssertEqual([dupLine, dupColumn], [3, 1])
        XCTAssertNotNil(error(""))
        XCTAssertNotNil(error("{\"mcpServers\": {\"é\": 1"))
    }

    func testColumnsCountCharactersNotBytes() {
        guard case .configField(_, _, let line, let column, _)? = error("{\"mcpServers\":{\"a\":{\"command\":\"é\",\"x\":1}}}") else {
            return XCTFail()
        }
        XCTAssertEqual(line, 1)
        XCTAssertEqual(column, 35)
    }

    func testEnvironmentMerging() {
        let config = StdioServerConfig(name: "a", command: "x", env: ["HOME": "/srv", "TOKEN": "t"])
        let base = StdioServerConfig.minimalEnvironment(from: ["HOME": "/root", "PATH": "/bin", "SSH_AUTH_SOCK": "/s", "LANG": "C"])
        XCTAssertEqual(base, ["HOME": "/root", "PATH": "/bin", "LANG": "C"])
        XCTAssertEqual(config.environment(base: base), ["HOME": "/srv", "PATH": "/bin", "LANG": "C", "TOKEN": "t"])
        XCTAssertEqual(StdioServerConfig.minimalEnvironment(from: [:])["PATH"], "/usr/local/bin:/usr/bin:/bin")
    }
}
