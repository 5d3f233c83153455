import Foundation
import MCP
import XCTest
@testable import MCPBridge

/// The loopback endpoint end to end in one process: HTTP requests → gateway → an in-memory
/// byte stream (standing in for the mesh) → the serving side's filter → a real stdio server.
final class LoopbackGatewayTests: XCTestCase {
    private let port = 8765
    private let files = RemoteServer(peer: "nas", server: "files")

    /// Opens streams by starting a serving session with a fresh server process for each.
    private actor Remote {
        var opened = 0
        var sessions: [ServingSession] = []
        var pids: [Int32] = []
        let script: String
        let grant: ToolGrant

        init(grant: ToolGrant) throws {
            self.grant = grant
            script = try TestServers.write(TestServers.stdioServer, named: "server.py")
        }

        func open(_ server: RemoteServer) async throws -> ByteStream {
            opened += 1
            let upstream = StdioUpstream(
                config: StdioServerConfig(name: server.server, command: TestServers.python, args: ["-u", script]),
                baseEnvironment: StdioServerConfig.minimalEnvironment(from: ProcessInfo.processInfo.environment))
            let (near, far) = ByteStream.pipe()
            let session = ServingSession(peer: "laptop", server: server.server, grant: grant,
                                         client: ByteStreamTransport(stream: far), upstream: upstream, audit: { _ in })
            sessions.append(session)
            Task { _ = await session.run() }
            Task {
                for _ in 0..<200 {
                    if let pid = await upstream.processID { self.addPID(pid); return }
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
            return near
        }

        func addPID(_ pid: Int32) { pids.append(pid) }
    }

    private func request(_ method: String = "POST", path: String? = nil, body: String? = nil, session: String? = nil,
                         host: String? = nil, origin: String? = nil) -> HTTPRequest {
        var headers = ["Host": host ?? "127.0.0.1:\(port)", "Accept": "application/json, text/event-stream",
                       "Content-Type": "application/json"]
        if let session { headers["Mcp-Session-Id"] = session }
        if let origin { headers["Origin"] = origin }
        if host == "" { headers.removeValue(forKey: "Host") }
        return HTTPRequest(method: method, headers: headers, body: body.map { Data($0.utf8) }, path: path ?? files.path)
    }

    /// The JSON-RPC messages of a response (its SSE events, or its JSON body).
    private func messages(_ response: HTTPResponse) async throws -> [[String: Any]] {
        var out: [[String: Any]] = []
        switch response {
        case .stream(let stream, _):
            var parser = SSEParser()
            for try await chunk in stream {
                for event in try parser.append(chunk) where !event.data.isEmpty {
                    out.append(try JSONSerialization.jsonObject(with: Data(event.data)) as? [String: Any] ?? [:])
                }
            }
        default:
            if let body = response.bodyData { out.append(try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]) }
        }
        return out
    }

    private static let initialize = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#

    func testDNSRebindingAndUnknownRoutesNeverReachTheMesh() async throws {
        let remote = try Remote(grant: .allTools)
        let gateway = LoopbackGateway(port: port, permitted: [files]) { try await remote.open($0) }
        let refusals: [(HTTPRequest, Int)] = [
            (request(body: Self.initialize, host: "evil.example:\(port)"), 421),
            (request(body: Self.initialize, host: "127.0.0.1:9999"), 421),
            (request(body: Self.initialize, host: ""), 400),
            (request(body: Self.initialize, origin: "http://evil.example"), 403),
            (request(body: Self.initialize, origin: "http://127.0.0.1:9999"), 403),
            (request(path: "/nas/secret/mcp", body: Self.initialize), 404),
            (request(path: "/../nas/files/mcp", body: Self.initialize), 404),
            (request(path: "/nas/files", body: Self.initialize), 404),
            (request(body: #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#), 400),
            (request(body: #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, session: "made-up"), 404),
        ]
        for (req, status) in refusals {
            let response = await gateway.handle(req)
            XCTAssertEqual(response.statusCode, status, "\(req.path ?? "") \(req.headers)")
        }
        let opened = await remote.opened
        XCTAssertEqual(opened, 0)
    }

    func testSessionThroughTheGatewayIsFilteredRemotelyAndEndsCleanly() async throws {
        let remote = try Remote(grant: ToolGrant(globs: ["read_*", "echo"]))
        let gateway = LoopbackGateway(port: port, permitted: [files]) { try await remote.open($0) }

        let initResponse = await gateway.handle(request(body: Self.initialize, origin: "http://localhost:\(port)"))
        XCTAssertEqual(initResponse.statusCode, 200)
        let session = try XCTUnwrap(initResponse.headers[HTTPHeaderName.sessionID])
        let initialized = try await messages(initResponse)
        XCTAssertEqual(((initialized.last?["result"] as? [String: Any])?["serverInfo"] as? [String: Any])?["name"] as? String, "test-server")

        let note = await gateway.handle(request(body: #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, session: session))
        XCTAssertEqual(note.statusCode, 202)

        let list = try await messages(await gateway.handle(request(body: #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, session: session)))
        XCTAssertEqual(((list.last?["result"] as? [String: Any])?["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String },
                       ["read_file", "echo"])

        let denied = try await messages(await gateway.handle(request(
            body: #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"write_file","arguments":{}}}"#, session: session)))
        XCTAssertEqual((denied.last?["error"] as? [String: Any])?["code"] as? Int, RPCErrorCode.toolNotPermitted)

        let echo = try await messages(await gateway.handle(request(
            body: #"{"jsonrpc":"2.0","id":"e","method":"tools/call","params":{"name":"echo","arguments":{"x":1}}}"#, session: session)))
        XCTAssertEqual(echo.last?["id"] as? String, "e")
        XCTAssertEqual(resultText(echo.last ?? [:]), #"{"x": 1}"#)

        let open = await gateway.openSessions
        XCTAssertEqual(open, [files])
        let pids = await remote.pids
        XCTAssertEqual(pids.count, 1)
        let delete = await gateway.handle(request("DELETE", session: session))
        XCTAssertEqual(delete.statusCode, 200)
        let afterDelete = await gateway.handle(request(body: #"{"jsonrpc":"2.0","id":3,"method":"ping"}"#, session: session))
        XCTAssertEqual(afterDelete.statusCode, 404)
        for pid in pids {
            let gone = await TestServers.waitUntilGone(pid)
            XCTAssertTrue(gone, "the remote server process outlived the HTTP session")
        }
        let remaining = await gateway.openSessions
        XCTAssertEqual(remaining, [])
    }

    func testServerMessagesReachTheGETStream() async throws {
        let remote = try Remote(grant: .allTools)
        let gateway = LoopbackGateway(port: port, permitted: [files]) { try await remote.open($0) }
        let initResponse = await gateway.handle(request(body: Self.initialize))
        let session = try XCTUnwrap(initResponse.headers[HTTPHeaderName.sessionID])
        _ = try await messages(initResponse)
        _ = await gateway.handle(request(body: #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, session: session))
        let get = await gateway.handle(request("GET", session: session))
        guard case .stream(let events, _) = get else { return XCTFail("GET gave \(get.statusCode)") }
        // The serving node narrows the grant; the server declared listChanged, so the client hears of it.
        for s in await remote.sessions { await s.updateGrant(ToolGrant(globs: ["echo"])) }
        var parser = SSEParser()
        var received: [String: Any]?
        for try await chunk in events {
            if let event = try parser.append(chunk).first(where: { !$0.data.isEmpty }) {
                received = try JSONSerialization.jsonObject(with: Data(event.data)) as? [String: Any]
                break
            }
        }
        XCTAssertEqual(received?["method"] as? String, "notifications/tools/list_changed")
        await gateway.closeAll()
    }

    func testRemoteEndClosesTheHTTPSession() async throws {
        let remote = try Remote(grant: .allTools)
        let gateway = LoopbackGateway(port: port, permitted: [files]) { try await remote.open($0) }
        let initResponse = await gateway.handle(request(body: Self.initialize))
        let session = try XCTUnwrap(initResponse.headers[HTTPHeaderName.sessionID])
        _ = try await messages(initResponse)
        // The serving node withdraws the grant: its session ends and closes the stream.
        for s in await remote.sessions { await s.updateGrant(nil) }
        var status = 0
        for _ in 0..<200 {
            status = await gateway.handle(request(body: #"{"jsonrpc":"2.0","id":9,"method":"ping"}"#, session: session)).statusCode
            if status == 404 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTAssertEqual(status, 404)
    }

    func testNoLongerPermittedServerSessionsAreClosed() async throws {
        let remote = try Remote(grant: .allTools)
        let gateway = LoopbackGateway(port: port, permitted: [files]) { try await remote.open($0) }
        let initResponse = await gateway.handle(request(body: Self.initialize))
        _ = try await messages(initResponse)
        await gateway.updatePermitted([])
        let open = await gateway.openSessions
        XCTAssertEqual(open, [])
        let refused = await gateway.handle(request(body: Self.initialize))
        XCTAssertEqual(refused.statusCode, 404)
    }

    /// Bound to another loopback address, the gateway accepts Host and Origin naming it too.
    func testTheBoundLoopbackAddressIsAnAllowedHost() async throws {
        struct Unreachable: Error {}
        let gateway = LoopbackGateway(port: port, host: "127.0.0.2", permitted: [files]) { _ in throw Unreachable() }
        let named = await gateway.handle(request(body: Self.initialize, host: "127.0.0.2:\(port)", origin: "http://127.0.0.2:\(port)"))
        XCTAssertEqual(named.statusCode, 502, "past the DNS-rebinding checks to the (unreachable) mesh")
        let other = await gateway.handle(request(body: Self.initialize, host: "127.0.0.3:\(port)"))
        XCTAssertEqual(other.statusCode, 421)
        XCTAssertEqual(gateway.url(of: files), "http://127.0.0.2:\(port)/nas/files/mcp")
        let v6 = LoopbackGateway(port: port, host: "::1", permitted: [files]) { _ in throw Unreachable() }
        XCTAssertEqual(v6.url(of: files), "http://[::1]:\(port)/nas/files/mcp")
    }

    func testUnreachablePeerIsABadGateway() async throws {
        struct Unreachable: Error {}
        let gateway = LoopbackGateway(port: port, permitted: [files]) { _ in throw Unreachable() }
        let response = await gateway.handle(request(body: Self.initialize))
        XCTAssertEqual(response.statusCode, 502)
    }

    func testRemoteServerNames() {
        XCTAssertEqual(RemoteServer("nas/files"), files)
        XCTAssertEqual(RemoteServer(path: "/nas/files/mcp?x=1"), files)
        for bad in ["nas", "nas/", "/files", "nas/files/x", "n as/files", "../files", "nas/.."] { XCTAssertNil(RemoteServer(bad), bad) }
        for bad in ["/nas/files", "nas/files/mcp", "/nas/files/mcp/", "//files/mcp", "/nas/files/sse"] { XCTAssertNil(RemoteServer(path: bad), bad) }
        XCTAssertEqual(files.path, "/nas/files/mcp")
        XCTAssertEqual(files.description, "nas/files")
    }
}
