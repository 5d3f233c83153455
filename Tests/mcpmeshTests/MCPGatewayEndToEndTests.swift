import Foundation
import XCTest

/// The loopback Streamable HTTP gateway (`mcpmesh up --http 127.0.0.1:PORT`) with real
/// processes: a coordinator, a nas publishing mcp-server-time and a slow server that reports
/// progress, and a laptop serving what it may use over HTTP to the official Python client.
final class MCPGatewayEndToEndTests: MeshProcessTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let python = root.appendingPathComponent(".build/mcp-venv/bin/python").path

    /// An MCP server whose one tool reports progress, then answers 1.5 s later.
    static let slowServer = """
        import asyncio
        from mcp.server.mcpserver import MCPServer, Context

        server = MCPServer("slow")

        @server.tool()
        async def slow(ctx: Context) -> str:
            \"\"\"Reports progress, then answers after a pause.\"\"\"
            await ctx.report_progress(1, 2, "halfway")
            await asyncio.sleep(1.5)
            return "done"

        server.run()
        """

    static let initialize = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}"#
    static let toolsList = #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#

    func testHTTPGatewayServesPermittedServersOnLoopbackOnly() throws {
        let timeServer = Self.root.appendingPathComponent(".build/mcp-venv/bin/mcp-server-time").path
        guard FileManager.default.isExecutableFile(atPath: timeServer) else {
            return XCTFail("\(timeServer) is missing: run scripts/mcp-venv.sh (scripts/test.sh does) before the tests")
        }
        let port = freeUDPPort()
        let httpPort = freeTCPPort()
        _ = try start("mcpmesh-coordinator", ["serve", "--state", path("coord"), "--listen", "127.0.0.1:\(port)"], log: "coord.log")
        XCTAssertNotNil(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: path("coord/admin.sock")) })
        let grant = try writePolicy("grant.json", """
            { "tags": ["tag:laptop", "tag:nas"],
              "grants": [{ "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["time:get_current_time", "slow"] }] }
            """)
        let revoke = try writePolicy("revoke.json", """
            { "tags": ["tag:laptop", "tag:nas"],
              "grants": [{ "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["slow"] }] }
            """)
        XCTAssertEqual(try coordinator("policy", "set", grant).status, 0)
        try Self.slowServer.write(toFile: path("slow.py"), atomically: true, encoding: .utf8)
        try """
            { "mcpServers": { "time": { "command": "\(timeServer)", "args": ["--local-timezone", "UTC"] },
                              "slow": { "command": "\(Self.python)", "args": ["-u", "\(path("slow.py"))"] },
                              "clock": { "command": "\(timeServer)" } } }
            """.write(toFile: path("servers.json"), atomically: true, encoding: .utf8)
        func join(_ name: String, _ tag: String, _ extra: [String]) throws -> MeshProcess {
            let key = try coordinator("joinkey", "create", "--tag", tag).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return try start("mcpmesh", ["up", "--join", key, "--state", path(name), "--name", name, "--listen", "127.0.0.1:0"] + extra,
                             log: "\(name).log")
        }
        let nas = try join("nas", "tag:nas", ["--config", path("servers.json")])
        let laptop = try join("laptop", "tag:laptop", ["--http", "127.0.0.1:\(httpPort)"])
        XCTAssertNotNil(waitUntil(timeout: 15) { peers(of: "laptop") == ["nas"] })
        XCTAssertNotNil(waitUntil(timeout: 10) { laptop.output.contains("MCP HTTP gateway listening") }, "the gateway logs its URL")
        XCTAssertTrue(laptop.output.contains("http://127.0.0.1:\(httpPort)"), laptop.output)
        let base = "http://127.0.0.1:\(httpPort)"
        XCTAssertNotNil(waitUntil(timeout: 10) { Self.post(httpPort, "/nas/time/mcp", body: Self.toolsList).status == 400 },
                        "the gateway serves nas/time once the netmap grants it")

        // (a) The official Python client: only the granted tool is listed, and the call works.
        let time = try runClient("\(base)/nas/time/mcp", "get_current_time", #"{"timezone": "UTC"}"#)
        XCTAssertEqual(time["tools"] as? [String], ["get_current_time"])
        XCTAssertTrue((time["result"] as? String ?? "").contains("datetime"), "\(time)")
        XCTAssertEqual(time["is_error"] as? Bool, false)

        // SSE is streamed as produced: the progress arrives well before the result.
        let slow = try runClient("\(base)/nas/slow/mcp", "slow", "{}")
        XCTAssertEqual(slow["result"] as? String, "done", "\(slow)")
        let progress = slow["progress"] as? [[String: Any]] ?? []
        XCTAssertEqual(progress.count, 1, "\(slow)")
        let progressAt = progress.first?["after_s"] as? Double ?? .infinity
        let resultAt = slow["result_after_s"] as? Double ?? 0
        XCTAssertLessThan(progressAt + 1, resultAt, "progress must reach the client before the result (\(slow))")

        // (b) DNS rebinding on the real socket: a foreign Host or Origin never reaches the nas.
        let sessionsBefore = nas.output.components(separatedBy: "MCP session opened").count
        let auditBefore = auditLineCount()
        let foreignHost = Self.post(httpPort, "/nas/time/mcp", body: Self.initialize, host: "evil.example:\(httpPort)")
        XCTAssertTrue([421, 403].contains(foreignHost.status), "\(foreignHost)")
        let foreignOrigin = Self.post(httpPort, "/nas/time/mcp", body: Self.initialize, origin: "http://evil.example")
        XCTAssertEqual(foreignOrigin.status, 403, "\(foreignOrigin)")
        let otherPort = Self.post(httpPort, "/nas/time/mcp", body: Self.initialize, origin: "http://127.0.0.1:1")
        XCTAssertEqual(otherPort.status, 403, "\(otherPort)")

        // (c) Servers this node may not use, and malformed paths, are not there.
        XCTAssertEqual(Self.post(httpPort, "/nas/clock/mcp", body: Self.initialize).status, 404)
        XCTAssertEqual(Self.post(httpPort, "/nas/nothing/mcp", body: Self.initialize).status, 404)
        XCTAssertEqual(Self.post(httpPort, "/nas/time", body: Self.initialize).status, 404)
        // A body over the limit is refused from its Content-Length, before it is read.
        XCTAssertEqual(Self.post(httpPort, "/nas/time/mcp", body: "{}", contentLength: 1 << 40).status, 413)
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(nas.output.components(separatedBy: "MCP session opened").count, sessionsBefore,
                       "refused requests must not open sessions on the nas")
        XCTAssertEqual(auditLineCount(), auditBefore, "refused requests leave no audit line on the nas")

        // The CLI shows the gateway.
        let status = try CLIRunner.run(["status", "--state", path("laptop")])
        XCTAssertTrue(status.stdout.contains("http gateway: \(base)/PEER/SERVER/mcp"), status.stdout)
        let config = try CLIRunner.run(["mcp-config", "--http", "--state", path("laptop")])
        let servers = (try? JSONSerialization.jsonObject(with: Data(config.stdout.utf8)) as? [String: Any])?["mcpServers"] as? [String: Any]
        XCTAssertEqual((servers?["nas-time"] as? [String: Any])?["url"] as? String, "\(base)/nas/time/mcp", config.stdout + config.stderr)

        // (d) A policy change revoking the grant: the server disappears from the gateway.
        XCTAssertEqual(try coordinator("policy", "set", revoke).status, 0)
        XCTAssertNotNil(waitUntil(timeout: 5) { Self.post(httpPort, "/nas/time/mcp", body: Self.toolsList).status == 404 },
                        "nas/time must disappear once its grant goes")
        XCTAssertEqual(Self.post(httpPort, "/nas/slow/mcp", body: Self.toolsList).status, 400, "nas/slow is still granted")
    }

    func testHTTPGatewayRefusesANonLoopbackAddress() throws {
        let up = try CLIRunner.run(["up", "--state", path("node"), "--http", "0.0.0.0:8080"])
        XCTAssertNotEqual(up.status, 0)
        XCTAssertTrue(up.stderr.contains("0.0.0.0") && up.stderr.contains("loopback"), up.stderr)
    }

    // MARK: - Helpers

    func auditLineCount() -> Int {
        ((try? String(contentsOfFile: path("nas/audit.log"), encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    /// Runs scripts/mcp/http_client.py and returns the JSON line it prints.
    func runClient(_ url: String, _ tool: String, _ arguments: String) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [Self.root.appendingPathComponent("scripts/mcp/http_client.py").path, url, tool, arguments]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: killer)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        let text = String(decoding: stdout, as: UTF8.self)
        guard process.terminationStatus == 0, let line = text.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            XCTFail("http_client.py \(url) \(tool) failed (\(process.terminationStatus)): \(text)\n\(String(decoding: stderr, as: UTF8.self).suffix(3000))")
            return [:]
        }
        return object
    }

    /// One HTTP/1.1 POST over a plain socket (so Host can be anything), with
    /// `Connection: close`; returns the status code (0 when there is no answer) and the
    /// raw response.
    static func post(_ port: Int, _ path: String, body: String, host: String? = nil, origin: String? = nil,
                     contentLength: Int? = nil) -> (status: Int, response: String) {
        var request = "POST \(path) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\n"
        request += "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n"
        if let origin { request += "Origin: \(origin)\r\n" }
        request += "Content-Length: \(contentLength ?? body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return (0, "no socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return (0, "cannot connect") }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, 0) }
            guard n > 0 else { break }
            sent += n
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { break }
            response += chunk[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, text)
    }
}
