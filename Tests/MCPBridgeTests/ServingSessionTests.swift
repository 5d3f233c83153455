import Foundation
import MCP
import XCTest
@testable import MCPBridge

/// A peer's session through the whole serving side: a byte stream (the mesh stream's
/// in-memory twin), the tool filter, a stdio upstream and a real MCP server process.
final class ServingSessionTests: XCTestCase {
    private struct Rig {
        var session: ServingSession
        var upstream: StdioUpstream
        var peer: ByteStreamTransport
        var inbox: TestInbox
        var run: Task<ServingSession.End, Never>
        var auditPath: String
        var audit: AuditLog
    }

    private func rig(grant: ToolGrant, env: [String: String] = [:]) async throws -> Rig {
        let script = try TestServers.write(TestServers.stdioServer, named: "server.py")
        let upstream = StdioUpstream(
            config: StdioServerConfig(name: "files", command: TestServers.python, args: ["-u", script], env: env),
            baseEnvironment: StdioServerConfig.minimalEnvironment(from: ProcessInfo.processInfo.environment))
        let (near, far) = ByteStream.pipe()
        let auditPath = (script as NSString).deletingLastPathComponent + "/audit.jsonl"
        let audit = try AuditLog(path: auditPath, sync: .never)
        let session = ServingSession(peer: "laptop", server: "files", grant: grant,
                                     client: ByteStreamTransport(stream: far), upstream: upstream, audit: audit.sink)
        let run = Task { await session.run() }
        let peer = ByteStreamTransport(stream: near)
        try await peer.connect()
        let inbox = TestInbox.draining(peer.receive())
        return Rig(session: session, upstream: upstream, peer: peer, inbox: inbox, run: run, auditPath: auditPath, audit: audit)
    }

    private func send(_ rig: Rig, _ text: String) async throws { try await rig.peer.send(Data(text.utf8)) }

    private func auditLines(_ rig: Rig) async throws -> [AuditRecord] {
        await rig.audit.flush()
        let text = try String(contentsOfFile: rig.auditPath, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.utf8)) }
    }

    private static let initialize = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#

    func testFilteredSessionAgainstARealServer() async throws {
        let r = try await rig(grant: ToolGrant(globs: ["read_*", "echo", "slow", "big", "info"]))
        try await send(r, Self.initialize)
        let initialized = try await r.inbox.nextJSON()
        XCTAssertNotNil(initialized["result"])
        try await send(r, #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)

        try await send(r, #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        let list = try await r.inbox.nextJSON()
        let result = try XCTUnwrap(list["result"] as? [String: Any])
        XCTAssertEqual((result["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String },
                       ["read_file", "echo", "big", "slow", "info"])
        XCTAssertEqual(result["nextCursor"] as? String, "end")

        try await send(r, #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_file","arguments":{"path":"/a"}}}"#)
        let allowed = try await r.inbox.nextJSON()
        XCTAssertEqual(resultText(allowed), "read_file /a")

        try await send(r, #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"write_file","arguments":{"path":"/a"}}}"#)
        let denied = try await r.inbox.nextJSON()
        XCTAssertEqual(denied["id"] as? Int, 3)
        XCTAssertEqual((denied["error"] as? [String: Any])?["code"] as? Int, RPCErrorCode.toolNotPermitted)
        XCTAssertEqual((denied["error"] as? [String: Any])?["message"] as? String,
                       "tool \"write_file\" is not permitted for this peer by the mesh policy")

        // Progress notifications pass through, before the result.
        try await send(r, #"{"jsonrpc":"2.0","id":"s","method":"tools/call","params":{"name":"slow","arguments":{"ms":50},"_meta":{"progressToken":"tok"}}}"#)
        let progress = try await r.inbox.nextJSON()
        XCTAssertEqual(progress["method"] as? String, "notifications/progress")
        XCTAssertEqual((progress["params"] as? [String: Any])?["progressToken"] as? String, "tok")
        let slow = try await r.inbox.nextJSON()
        XCTAssertEqual(slow["id"] as? String, "s")

        // Resources and prompts pass with any grant.
        try await send(r, #"{"jsonrpc":"2.0","id":4,"method":"resources/list"}"#)
        let resources = try await r.inbox.nextJSON()
        XCTAssertNotNil((resources["result"] as? [String: Any])?["resources"])
        try await send(r, #"{"jsonrpc":"2.0","id":5,"method":"ping"}"#)
        _ = try await r.inbox.nextJSON()

        // A 10 MB result passes intact.
        try await send(r, #"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"big","arguments":{"size":10000000}}}"#)
        let big = try await r.inbox.nextJSON(timeout: .seconds(60))
        XCTAssertEqual(resultText(big)?.count, 10_000_000)

        let pid = try XCTUnwrapAsync(await r.upstream.processID)
        await r.peer.disconnect()
        let end = await r.run.value
        XCTAssertEqual(end.reason, "the peer closed the session")
        XCTAssertFalse(TestServers.isAlive(pid), "the server process outlived its session")
        XCTAssertGreaterThan(end.bytesOut, 10_000_000)

        let records = try await auditLines(r)
        XCTAssertEqual(records.map { "\($0.method) \($0.tool ?? "-") \($0.decision.rawValue) \($0.outcome)" }, [
            "tools/call read_file allowed ok",
            "tools/call write_file denied not permitted",
            "tools/call slow allowed ok",
            "tools/call big allowed ok",
            "session - allowed the peer closed the session",
        ])
        XCTAssertTrue(records.allSatisfy { $0.peer == "laptop" && $0.server == "files" })
        XCTAssertGreaterThanOrEqual(records[2].durationMs, 40)
        XCTAssertGreaterThan(records[3].bytesOut, 10_000_000)
    }

    func testRevokedGrantEndsTheSessionAndTheProcess() async throws {
        let r = try await rig(grant: .allTools)
        try await send(r, Self.initialize)
        _ = try await r.inbox.nextJSON()
        let pid = try XCTUnwrapAsync(await r.upstream.processID)
        let started = ContinuousClock.now
        await r.session.updateGrant(nil)
        let end = await r.run.value
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        XCTAssertTrue(end.reason.contains("no longer grants"), end.reason)
        XCTAssertFalse(TestServers.isAlive(pid))
        let finished = await r.inbox.waitUntilFinished()
        XCTAssertTrue(finished, "the peer's stream stayed open")
        let records = try await auditLines(r)
        XCTAssertEqual(records.last?.method, "session")
        XCTAssertTrue(records.last?.outcome.contains("no longer grants") == true)
    }

    func testNarrowedGrantTellsTheClientAndAppliesAtOnce() async throws {
        let r = try await rig(grant: .allTools)
        try await send(r, Self.initialize)
        _ = try await r.inbox.nextJSON()
        await r.session.updateGrant(ToolGrant(globs: ["echo"]))
        let changed = try await r.inbox.nextJSON()
        XCTAssertEqual(changed["method"] as? String, "notifications/tools/list_changed")
        try await send(r, #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        let list = try await r.inbox.nextJSON()
        XCTAssertEqual(((list["result"] as? [String: Any])?["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["echo"])
        try await send(r, #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"info"}}"#)
        let denied = try await r.inbox.nextJSON()
        XCTAssertEqual((denied["error"] as? [String: Any])?["code"] as? Int, RPCErrorCode.toolNotPermitted)
        r.session.close(reason: "test over")
        let end = await r.run.value
        XCTAssertEqual(end.reason, "test over")
    }

    func testServerExitEndsTheSession() async throws {
        let r = try await rig(grant: .allTools)
        try await send(r, Self.initialize)
        _ = try await r.inbox.nextJSON()
        let pid = try XCTUnwrapAsync(await r.upstream.processID)
        kill(pid, SIGKILL)
        let end = await r.run.value
        XCTAssertTrue(end.reason.contains("MCP server"), end.reason)
        let finished = await r.inbox.waitUntilFinished()
        XCTAssertTrue(finished)
    }

    func testServerThatCannotStartEndsTheSessionWithAReason() async throws {
        let upstream = StdioUpstream(config: StdioServerConfig(name: "ghost", command: "/nonexistent/mcp-server"),
                                     baseEnvironment: ["PATH": "/bin"])
        let (near, far) = ByteStream.pipe()
        let records = RecordBox()
        let session = ServingSession(peer: "p", server: "ghost", grant: .allTools, client: ByteStreamTransport(stream: far),
                                     upstream: upstream, audit: { record in Task { await records.add(record) } })
        let end = await session.run()
        XCTAssertTrue(end.reason.contains("could not be started"), end.reason)
        var ended = false
        for try await _ in near.inbound.chunks {}
        ended = true
        XCTAssertTrue(ended)
    }

    func testSDKClientThroughTheServingSession() async throws {
        let script = try TestServers.write(TestServers.stdioServer, named: "server.py")
        let upstream = StdioUpstream(config: StdioServerConfig(name: "files", command: TestServers.python, args: ["-u", script]),
                                     baseEnvironment: StdioServerConfig.minimalEnvironment(from: ProcessInfo.processInfo.environment))
        let (near, far) = ByteStream.pipe()
        let session = ServingSession(peer: "laptop", server: "files", grant: ToolGrant(globs: ["echo", "read_*"]),
                                     client: ByteStreamTransport(stream: far), upstream: upstream, audit: { _ in })
        let run = Task { await session.run() }
        let client = Client(name: "sdk", version: "1")
        _ = try await client.connect(transport: ByteStreamTransport(stream: near))
        let tools = try await client.listTools()
        XCTAssertEqual(tools.tools.map(\.name), ["read_file", "echo"])
        let echo = try await client.callTool(name: "echo", arguments: ["k": .string("v")])
        XCTAssertEqual(echo.content.count, 1)
        do {
            _ = try await client.callTool(name: "write_file", arguments: [:])
            XCTFail("denied tool called")
        } catch let error as MCPError {
            XCTAssertEqual(error.code, RPCErrorCode.toolNotPermitted)
        }
        await client.disconnect()
        _ = await run.value
    }
}

actor RecordBox {
    var records: [AuditRecord] = []
    func add(_ record: AuditRecord) { records.append(record) }
}

/// `XCTUnwrap` for a value read with `await`.
func XCTUnwrapAsync<T>(_ value: T?, file: StaticString = #filePath, line: UInt = #line) throws -> T {
    try XCTUnwrap(value, file: file, line: line)
}
