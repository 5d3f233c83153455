import Foundation
import XCTest

/// Leaving the mesh, with real processes: `mcpmesh logout` (the agent leaves and exits by
/// itself, the coordinator forgets the node, its peer's netmap drops it) and an admin
/// expiring a connected node.
final class MembershipEndToEndTests: MeshProcessTestCase {
    /// The mesh of these tests: every node publishes a server named "files".
    func mesh(_ nodes: [(String, String)]) throws -> [String: MeshProcess] {
        try mesh(nodes.map { (name: $0.0, tag: $0.1, args: ["--server", "files"]) })
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

    /// A key rotation the agent stopped in the middle of is settled at the next start, from
    /// what the coordinator holds: a new key it never saw is dropped; one it took is promoted.
    func testAnInterruptedKeyRotationIsSettledAtStart() throws {
        var agents = try mesh([("nas", "tag:nas"), ("laptop", "tag:laptop")])
        XCTAssertNotNil(waitUntil(timeout: 15) { peers(of: "nas") == ["laptop"] && peers(of: "laptop") == ["nas"] })
        let keyFile = path("laptop/identity.key"), nextFile = path("laptop/identity.next.key")
        let original = try Data(contentsOf: URL(fileURLWithPath: keyFile))
        func restart(_ log: String, _ extra: [String] = []) throws -> MeshProcess {
            try start("mcpmesh", ["up", "--state", path("laptop"), "--listen", "127.0.0.1:0"] + extra, log: log)
        }

        // Stopped after writing the new key, before the coordinator saw it.
        agents["laptop"]!.stop()
        try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: nextFile))
        agents["laptop"] = try restart("laptop-a.log")
        XCTAssertNotNil(waitUntil(timeout: 15) { agents["laptop"]!.output.contains("never reached the coordinator") },
                        agents["laptop"]!.output.suffix(1500).description)
        XCTAssertFalse(FileManager.default.fileExists(atPath: nextFile), "the unsent key is dropped")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: keyFile)), original, "the old key stays")
        XCTAssertNotNil(waitUntil(timeout: 15) { agents["laptop"]!.output.contains("netmap accepted") })

        // Stopped after the coordinator took the new key, before it was promoted: make that
        // state from a completed rotation by putting the old key back beside the new one.
        agents["laptop"]!.stop()
        agents["laptop"] = try restart("laptop-b.log", ["--rotate-key"])
        XCTAssertNotNil(waitUntil(timeout: 15) { agents["laptop"]!.output.contains("netmap accepted") })
        agents["laptop"]!.stop()
        let rotated = try Data(contentsOf: URL(fileURLWithPath: keyFile))
        XCTAssertNotEqual(rotated, original)
        try rotated.write(to: URL(fileURLWithPath: nextFile))
        try original.write(to: URL(fileURLWithPath: keyFile))
        agents["laptop"] = try restart("laptop-c.log")
        XCTAssertNotNil(waitUntil(timeout: 15) { agents["laptop"]!.output.contains("had taken the new key") },
                        agents["laptop"]!.output.suffix(1500).description)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: keyFile)), rotated, "the key the coordinator holds is promoted")
        XCTAssertFalse(FileManager.default.fileExists(atPath: nextFile))
        XCTAssertNotNil(waitUntil(timeout: 15) { agents["laptop"]!.output.contains("netmap accepted") && peers(of: "nas") == ["laptop"] },
                        "the node is back in the mesh under the new key")
    }

    /// A peer in the netmap whose agent is gone: `connect` says so within its 15 s limit
    /// instead of waiting out the session layer's 90 s of handshake attempts.
    func testConnectingToAPeerThatIsGoneFailsWithinItsTimeout() throws {
        let agents = try mesh([("nas", "tag:nas"), ("laptop", "tag:laptop")])
        XCTAssertNotNil(waitUntil(timeout: 15) { peers(of: "laptop") == ["nas"] })
        kill(agents["nas"]!.process.processIdentifier, SIGKILL)
        agents["nas"]!.process.waitUntilExit()
        let start = Date()
        let out = try CLIRunner.run(["connect", "nas/files", "--state", path("laptop")], timeout: 60)
        let took = Date().timeIntervalSince(start)
        XCTAssertEqual(out.status, 1)
        XCTAssertTrue(out.stderr.contains("nas did not answer within 15 s"), out.stderr)
        XCTAssertLessThan(took, 20)
        XCTAssertGreaterThan(took, 14)
    }
}
