import Foundation
import MCP
import XCTest
@testable import MCPBridge

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP upstream against a real Streamable HTTP server (a small Python one).
final class HTTPUpstreamTests: XCTestCase {
    private var server: Process?
    private var port = 0

    override func setUp() async throws {
        (server, port) = try Self.startServer(TestServers.httpServer)
    }

    /// Runs a Python HTTP server `source` that prints its port; returns it and the port.
    private static func startServer(_ source: String) throws -> (Process, Int) {
        let script = try TestServers.write(source, named: "http_server.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestServers.python)
        process.arguments = ["-u", script]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        XCTAssertGreaterThan(port, 0)
        return (process, port)
    }

    override func tearDown() async throws {
        // SIGKILL: the test process's children may inherit a mask blocking SIGTERM.
        if let server { kill(server.processIdentifier, SIGKILL) }
        server?.waitUntilExit()
    }

    private func upstream(headers: [String: String] = [:]) -> HTTPUpstream {
        HTTPUpstream(config: HTTPServerConfig(name: "web", url: URL(string: "http://127.0.0.1:\(port)/mcp")!, headers: headers))
    }

    private func events() async throws -> [String] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/events")!)
        return try JSONSerialization.jsonObject(with: data) as? [String] ?? []
    }

    private func send(_ up: HTTPUpstream, _ text: String) async throws { try await up.send(Data(text.utf8)) }

    private static let initialize = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#

    func testSessionJSONAndSSEResponsesAndTheGETStream() async throws {
        let up = upstream(headers: ["Authorization": "Bearer s3cret"])
        try await up.connect()
        let inbox = TestInbox.draining(up.receive())
        try await send(up, Self.initialize)
        let initialized = try await inbox.nextJSON()
        XCTAssertEqual(((initialized["result"] as? [String: Any])?["serverInfo"] as? [String: Any])?["name"] as? String, "http-test")
        let sessionID = await up.sessionID
        XCTAssertNotNil(sessionID)
        let version = await up.protocolVersion
        XCTAssertEqual(version, "2025-06-18")

        try await send(up, #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        let pushed = try await inbox.nextJSON()
        XCTAssertEqual((pushed["params"] as? [String: Any])?["data"] as? String, "hello from GET")

        try await send(up, #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        let list = try await inbox.nextJSON()
        XCTAssertEqual(((list["result"] as? [String: Any])?["tools"] as? [Any])?.count, 4)

        try await send(up, #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","_meta":{"progressToken":"p"}}}"#)
        let progress = try await inbox.nextJSON()
        XCTAssertEqual(progress["method"] as? String, "notifications/progress")
        let slow = try await inbox.nextJSON()
        XCTAssertEqual(slow["id"] as? Int, 2)
        XCTAssertEqual(resultText(slow), "slow done")

        try await send(up, #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"headers"}}"#)
        let headersReply = try await inbox.nextJSON()
        let headers = try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(resultText(headersReply)).utf8)) as? [String: String] ?? [:]
        let lower = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
        XCTAssertEqual(lower["authorization"], "Bearer s3cret")
        XCTAssertEqual(lower["mcp-session-id"], sessionID)
        XCTAssertEqual(lower["mcp-protocol-version"], "2025-06-18")
        XCTAssertTrue(lower["accept"]?.contains("text/event-stream") == true)

        try await send(up, #"{"jsonrpc":"2.0","id":"f","method":"tools/call","params":{"name":"fail"}}"#)
        let failed = try await inbox.nextJSON()
        XCTAssertEqual(failed["id"] as? String, "f")
        XCTAssertEqual((failed["error"] as? [String: Any])?["code"] as? Int, RPCErrorCode.upstreamUnavailable)

        await up.disconnect()
        let seen = try await events()
        XCTAssertTrue(seen.contains("DELETE \(sessionID ?? "")"), "\(seen)")
        XCTAssertTrue(seen.contains("POST notifications/initialized version=2025-06-18"), "\(seen)")
        let ended = await inbox.waitUntilFinished()
        XCTAssertTrue(ended)
    }

    func testFilteredServingSessionOverHTTP() async throws {
        let (near, far) = ByteStream.pipe()
        let session = ServingSession(peer: "laptop", server: "web", grant: ToolGrant(globs: ["echo", "slow"]),
                                     client: ByteStreamTransport(stream: far), upstream: upstream(), audit: { _ in })
        let run = Task { await session.run() }
        let client = Client(name: "sdk", version: "1")
        _ = try await client.connect(transport: ByteStreamTransport(stream: near))
        let tools = try await client.listTools()
        XCTAssertEqual(tools.tools.map(\.name), ["echo", "slow"])
        do {
            _ = try await client.callTool(name: "secret", arguments: [:])
            XCTFail("hidden tool called")
        } catch let error as MCPError {
            XCTAssertEqual(error.code, RPCErrorCode.toolNotPermitted)
        }
        let echo = try await client.callTool(name: "echo", arguments: ["a": .int(1)])
        XCTAssertEqual(echo.content.count, 1)
        await client.disconnect()
        _ = await run.value
        let seen = try await events()
        XCTAssertFalse(seen.contains { $0.contains("secret") })
        XCTAssertTrue(seen.contains { $0.hasPrefix("DELETE ") })
    }

    /// A server answering in JSON holds a response's head until the result is ready; the
    /// messages after the request (here the `notifications/cancelled` that ends it) must not
    /// wait behind it.
    func testARequestAwaitingItsAnswerDoesNotHoldUpTheNextMessage() async throws {
        let (holder, holderPort) = try Self.startServer(Self.jsonHoldServer)
        defer {
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
        }
        let up = HTTPUpstream(config: HTTPServerConfig(name: "json", url: URL(string: "http://127.0.0.1:\(holderPort)/mcp")!))
        try await up.connect()
        let inbox = TestInbox.draining(up.receive())
        try await send(up, Self.initialize)
        _ = try await inbox.nextJSON()
        try await send(up, #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        let started = ContinuousClock.now
        try await send(up, #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"hold"}}"#)
        try await send(up, #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5}}"#)
        let reply = try await inbox.nextJSON()
        XCTAssertEqual(reply["id"] as? Int, 5)
        XCTAssertEqual((reply["error"] as? [String: Any])?["message"] as? String, "cancelled")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        await up.disconnect()
    }

    /// Answers a tools/call (in JSON) only once a notifications/cancelled for it came, or
    /// after 10 s.
    private static let jsonHoldServer = #"""
import json, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CANCELLED = {}

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def log_message(self, *args):
        pass

    def reply(self, status, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(405)

    def do_DELETE(self):
        self.reply(200)

    def do_POST(self):
        msg = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        method, mid = msg.get("method"), msg.get("id")
        if method == "initialize":
            return self.reply(200, {"jsonrpc": "2.0", "id": mid, "result": {
                "protocolVersion": "2025-06-18", "capabilities": {}, "serverInfo": {"name": "json-hold", "version": "1"}}},
                {"Mcp-Session-Id": "s1"})
        if method == "notifications/cancelled":
            CANCELLED.setdefault(msg["params"]["requestId"], threading.Event()).set()
        if mid is None:
            return self.reply(202)
        cancelled = CANCELLED.setdefault(mid, threading.Event()).wait(10)
        self.reply(200, {"jsonrpc": "2.0", "id": mid, "error": {"code": -32800, "message": "cancelled" if cancelled else "not cancelled"}})

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""#

    func testUnreachableServerAnswersRequestsWithAnError() async throws {
        let up = HTTPUpstream(config: HTTPServerConfig(name: "down", url: URL(string: "http://127.0.0.1:9/mcp")!))
        try await up.connect()
        let inbox = TestInbox.draining(up.receive())
        try await send(up, Self.initialize)
        let reply = try await inbox.nextJSON()
        XCTAssertEqual(reply["id"] as? Int, 0)
        XCTAssertEqual((reply["error"] as? [String: Any])?["code"] as? Int, RPCErrorCode.upstreamUnavailable)
        try await send(up, #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)  // no reply for a notification
        await up.disconnect()
        let pending = await inbox.pending
        XCTAssertEqual(pending, 0)
    }

    func testForgottenSessionEndsTheStream() async throws {
        let up = upstream()
        let inbox = TestInbox.draining(up.receive())
        try await send(up, Self.initialize)
        _ = try await inbox.next()
        // The server forgets the session (as after a restart).
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/mcp")!)
        request.httpMethod = "DELETE"
        request.setValue(await up.sessionID, forHTTPHeaderField: "Mcp-Session-Id")
        _ = try await URLSession.shared.data(for: request)
        try await send(up, #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        let ended = await inbox.waitUntilFinished()
        XCTAssertTrue(ended)
        let failure = await inbox.failure
        XCTAssertTrue("\(String(describing: failure))".contains("404"))
        await up.disconnect()
    }
}
