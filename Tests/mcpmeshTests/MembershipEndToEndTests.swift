import Foundation
import XCTest

/// Leaving the mesh, with real processes: `mcpmesh logout` (the agent leaves and exits by
/// itself, the coordinator forgets the node, its peer's netmap drops it) and an admin
/// expiring a connected node.
final class MembershipEndToEndTests: MeshProcessTestCase {
    /// A coordinator with a policy letting tag:laptop use tag:nas, and the agents of `nodes`
    /// (name, tag) joined and seeing each other.
    func mesh(_ nodes: [(String, String)]) throws -> [String: MeshProcess] {
        let port = freeUDPPort()
        _ = try start("mcpmesh-coordinator", ["serve", "--state", path("coord"), "--listen", "127.0.0.1:\(port)"], log: "coord.log")
        XCTAssertNotNil(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: path("coord/admin.sock")) })
        let policy = try writePolicy("policy.json", """
            { "tags": ["tag:laptop", "tag:nas"],
              "grants": [{ "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["*"] }] }
            """)
        XCTAssertEqual(try coordinator("policy", "set", policy).status, 0)
        var agents: [String: MeshProcess] = [:]
        for (name, tag) in nodes {
            let key = try coordinator("joinkey", "create", "--tag", tag).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            agents[name] = try start("mcpmesh", ["up", "--join", key, "--state", path(name), "--name", name,
                                                 "--listen", "127.0.0.1:0", "--server", "files"], log: "\(name).log")
        }
        return agents
    }

    func testExpiringAConnectedNodeDropsItFromItsPeersAndRefusesIt() throws {
        let agents = try mesh([("nas", "tag:nas"), ("laptop", "tag:laptop"), ("desk", "tag:laptop")])
        XCTAssertNotNil(waitUntil(timeout: 15) { peers(of: "nas") == ["desk", "laptop"] })
        XCTAssertEqual(try coordinator("nodes", "expire", "laptop").status, 0)
        XCTAssertNotNil(waitUntil(timeout: 5) { peers(of: "nas") == ["desk"] }, "the peer's netmap drops the expired node")
        XCTAssertNotNil(agents["laptop"]!.waitForExit(timeout: 10), "the expired node's agent stops")
        XCTAssertTrue(agents["laptop"]!.output.contains("expired by an admin"), agents["laptop"]!.output.suffix(1500).description)
        XCTAssertEqual(peers(of: "desk"), ["nas"], "the other nodes keep their netmaps")
    }

    func testLogoutRemovesTheNodeAndStopsItsAgent() throws {
        let agents = try mesh([("nas", "tag:nas"), ("laptop", "tag:laptop")])
        XCTAssertNotNil(waitUntil(timeout: 15) { peers(of: "nas") == ["laptop"] && peers(of: "laptop") == ["nas"] })

        let out = try CLIRunner.run(["logout", "--state", path("laptop")])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(agents["laptop"]!.waitForExit(timeout: 10), 0, "the agent exits by itself after logout")
        XCTAssertTrue(agents["laptop"]!.output.contains("logged out"), agents["laptop"]!.output.suffix(2000).description)

        XCTAssertNotNil(waitUntil(timeout: 15) { peers(of: "nas") == [] }, "the peer's netmap drops the node")
        let nodes = try coordinator("nodes", "list", "--json").stdout
        XCTAssertFalse(nodes.contains("\"laptop\""), nodes)

        let status = try CLIRunner.run(["status", "--state", path("laptop")])
        XCTAssertNotEqual(status.status, 0)
        XCTAssertTrue(status.stderr.contains("no mcpmesh agent is running"), status.stderr)

        // The membership is forgotten: no enrollment, identity or netmap is left behind.
        for file in ["node.json", "identity.key", "netmap.bin", "netmap.json"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("laptop/\(file)")), "\(file) is removed at logout")
        }
        let unjoined = try CLIRunner.run(["up", "--state", path("laptop"), "--listen", "127.0.0.1:0"])
        XCTAssertEqual(unjoined.status, 1)
        XCTAssertTrue(unjoined.stderr.contains("has not joined a mesh yet"), unjoined.stderr)

        // A new join key brings the node back, with a new identity.
        let key = try coordinator("joinkey", "create", "--tag", "tag:laptop").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try start("mcpmesh", ["up", "--join", key, "--state", path("laptop"), "--name", "laptop",
                                  "--listen", "127.0.0.1:0"], log: "laptop2.log")
        XCTAssertNotNil(waitUntil(timeout: 15) { peers(of: "nas") == ["laptop"] && peers(of: "laptop") == ["nas"] },
                        "the node joins again after a logout")
    }
}
