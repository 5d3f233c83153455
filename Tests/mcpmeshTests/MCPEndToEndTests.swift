import Foundation
import XCTest

/// MCP across the mesh with real processes on loopback: a coordinator, a nas publishing
/// mcp-server-time (from the venv `scripts/mcp-venv.sh` makes), a laptop with a grant for
/// one tool, and a stranger node without any grant.
final class MCPEndToEndTests: MeshProcessTestCase {
    static let venv = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/mcp-venv")

    func auditLines() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path("nas/audit.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Names of the nodes the coordinator reports online.
    func onlineNodes() -> [String] {
        guard let out = try? coordinator("nodes", "list", "--json").stdout,
              let obj = try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any],
              let list = obj["nodes"] as? [[String: Any]] else { return [] }
        return list.filter { $0["online"] as? Bool == true }.compactMap { $0["name"] as? String }.sorted()
    }

    func testMCPAcrossTheMeshUnderThePolicy() throws {
        let server = Self.venv.appendingPathComponent("bin/mcp-server-time").path
        guard FileManager.default.isExecutableFile(atPath: server) else {
            return XCTFail("\(server) is missing: run scripts/mcp-venv.sh (scripts/test.sh does) before the tests")
        }
        let port = freeUDPPort()
        let coordProcess = try start("mcpmesh-coordinator", ["serve", "--state", path("coord"), "--listen", "127.0.0.1:\(port)"], log: "coord.log")
        XCTAssertNotNil(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: path("coord/admin.sock")) })
        let grant = try writePolicy("grant.json", """
            { "tags": ["tag:laptop", "tag:nas", "tag:other"],
              "grants": [{ "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["time:get_current_time"] },
                         { "src": ["tag:other"], "dst": ["tag:nas"], "mcp": ["clock"] }] }
            """)
        let revoke = try writePolicy("revoke.json", """
            { "tags": ["tag:laptop", "tag:nas", "tag:other"],
              "grants": [{ "src": ["tag:other"], "dst": ["tag:nas"], "mcp": ["clock"] }] }
            """)
        XCTAssertEqual(try coordinator("policy", "set", grant).status, 0)
        try #"{ "mcpServers": { "time": { "command": "\#(server)", "args": ["--local-timezone", "UTC"] }, "clock": { "command": "\#(server)" } } }"#
            .write(toFile: path("servers.json"), atomically: true, encoding: .utf8)
        func join(_ name: String, _ tag: String, _ extra: [String] = []) throws {
            let key = try coordinator("joinkey", "create", "--tag", tag).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try start("mcpmesh", ["up", "--join", key, "--state", path(name), "--name", name, "--listen", "127.0.0.1:0"] + extra,
                          log: "\(name).log")
        }
        try join("nas", "tag:nas", ["--config", path("servers.json")])
        try join("laptop", "tag:laptop")
        try join("other", "tag:other")
        XCTAssertNotNil(waitUntil(timeout: 15) { peers(of: "laptop") == ["nas"] && peers(of: "other") == ["nas"] })

        // Allowed: the granted tool works; the other tool is hidden and refused.
        let s = try MCPSession(state: path("laptop"), target: "nas/time")
        XCTAssertNotNil(s.handshake()?["result"], "initialize through the mesh")
        let tools = s.request("tools/list")?["result"] as? [String: Any]
        XCTAssertEqual((tools?["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["get_current_time"])
        let call = s.request("tools/call", ["name": "get_current_time", "arguments": ["timezone": "UTC"]])
        let text = ((call?["result"] as? [String: Any])?["content"] as? [[String: Any]])?.first?["text"] as? String ?? ""
        XCTAssertTrue(text.contains("datetime"), "\(String(describing: call))")
        let denied = s.request("tools/call", ["name": "convert_time",
                                              "arguments": ["source_timezone": "UTC", "time": "12:00", "target_timezone": "UTC"]])
        let error = denied?["error"] as? [String: Any]
        XCTAssertNotNil(error, "\(String(describing: denied))")
        XCTAssertTrue((error?["message"] as? String ?? "").contains("not permitted"))

        // A peer without a grant for the server is refused with a reason.
        let stranger = try CLIRunner.run(["connect", "nas/time", "--state", path("other")])
        XCTAssertEqual(stranger.status, 1)
        XCTAssertTrue(stranger.stderr.contains("grants this node no access to nas/time"), stranger.stderr)

        // The coordinator goes away: calls between the nodes still work.
        coordProcess.stop()
        let again = s.request("tools/call", ["name": "get_current_time", "arguments": ["timezone": "UTC"]])
        XCTAssertNotNil(again?["result"], "calls keep working while the coordinator is down")
        let fresh = try MCPSession(state: path("laptop"), target: "nas/time")
        XCTAssertNotNil(fresh.handshake()?["result"], "new sessions too, on the last good netmap")
        fresh.close()

        // The coordinator comes back; a revocation closes the live session within 2 s.
        _ = try start("mcpmesh-coordinator", ["serve", "--state", path("coord"), "--listen", "127.0.0.1:\(port)"], log: "coord2.log")
        XCTAssertNotNil(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: path("coord/admin.sock")) })
        XCTAssertNotNil(waitUntil(timeout: 60) { onlineNodes() == ["laptop", "nas", "other"] },
                        "the nodes reconnect to the restarted coordinator")
        let issued = Date()
        XCTAssertEqual(try coordinator("policy", "set", revoke).status, 0)
        XCTAssertNotNil(waitUntil(timeout: 5) { s.isClosed }, "the live session must be closed when its grant goes")
        let closedAfter = Date().timeIntervalSince(issued)
        print("e2e-mcp: revocation closed the live session \(String(format: "%.3f", closedAfter)) s after the command started")
        XCTAssertLessThan(closedAfter, 2)
        s.close()

        // Audit lines for the allowed and the denied call and the session.
        let audit = auditLines()
        XCTAssertTrue(audit.contains { $0["tool"] as? String == "get_current_time" && $0["decision"] as? String == "allowed" })
        XCTAssertTrue(audit.contains { $0["tool"] as? String == "convert_time" && $0["decision"] as? String == "denied" })
        XCTAssertTrue(audit.contains { $0["method"] as? String == "session" })
    }
}
