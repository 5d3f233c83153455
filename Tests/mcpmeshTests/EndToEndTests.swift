import Foundation
import XCTest

/// Real coordinator and node processes on loopback, driven through the CLI: the helpers.
class MeshProcessTestCase: XCTestCase {
    var dir: URL!
    var processes: [MeshProcess] = []

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("mcpmesh-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for p in processes { p.stop() }
        if let run = testRun, run.failureCount > 0 {
            for p in processes { print("---- \(p.log.lastPathComponent)\n\(p.output.suffix(3000))") }
        }
        try? FileManager.default.removeItem(at: dir)
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func start(_ exe: String, _ args: [String], log: String) throws -> MeshProcess {
        let p = try MeshProcess(exe, args, log: dir.appendingPathComponent(log))
        processes.append(p)
        return p
    }

    func coordinator(_ args: String...) throws -> CLIResult {
        try CLIRunner.run(args + ["--state", path("coord")], executable: "mcpmesh-coordinator")
    }

    /// The peers' names in a node's last accepted netmap.
    func peers(of node: String) -> [String]? {
        guard let data = FileManager.default.contents(atPath: path("\(node)/netmap.json")),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let peers = obj["peers"] as? [[String: Any]] else { return nil }
        return peers.compactMap { $0["name"] as? String }.sorted()
    }

    func outbound(of node: String) -> [String: [String: [String]]]? {
        guard let data = FileManager.default.contents(atPath: path("\(node)/netmap.json")),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return obj["outbound"] as? [String: [String: [String]]]
    }

    /// The laptop's identity key text, from its netmap's "node" entry.
    func newLaptopKey() -> String {
        guard let data = FileManager.default.contents(atPath: path("laptop/netmap.json")),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let node = obj["node"] as? [String: Any], let key = node["key"] as? String else { return "-" }
        return key
    }

    func writePolicy(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    /// A coordinator with a policy letting tag:laptop use every server of tag:nas, and an
    /// agent for each of `nodes` (name, tag, extra `up` arguments), joined with its own key.
    func mesh(_ nodes: [(name: String, tag: String, args: [String])]) throws -> [String: MeshProcess] {
        let port = freeUDPPort()
        _ = try start("mcpmesh-coordinator", ["serve", "--state", path("coord"), "--listen", "127.0.0.1:\(port)"], log: "coord.log")
        XCTAssertNotNil(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: path("coord/admin.sock")) })
        let policy = try writePolicy("policy.json", """
            { "tags": ["tag:laptop", "tag:nas"],
              "grants": [{ "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["*"] }] }
            """)
        XCTAssertEqual(try coordinator("policy", "set", policy).status, 0)
        var agents: [String: MeshProcess] = [:]
        for node in nodes {
            let key = try coordinator("joinkey", "create", "--tag", node.tag).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            agents[node.name] = try start("mcpmesh", ["up", "--join", key, "--state", path(node.name), "--name", node.name,
                                                      "--listen", "127.0.0.1:0"] + node.args, log: "\(node.name).log")
        }
        return agents
    }
}

/// A real coordinator and real node agents on loopback, driven through the CLI.
final class EndToEndTests: MeshProcessTestCase {
    func testJoinNetmapsPolicyPushAndRemoval() throws {
        let port = freeUDPPort()
        _ = try start("mcpmesh-coordinator", ["serve", "--state", path("coord"), "--listen", "127.0.0.1:\(port)"], log: "coord.log")
        XCTAssertNotNil(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: path("coord/admin.sock")) })

        let allow = try writePolicy("allow.json", """
            {
              // laptops may use the nas's file server, every tool
              "tags": ["tag:laptop", "tag:nas"],
              "grants": [{ "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["files"] }],
            }
            """)
        let deny = try writePolicy("deny.json", #"{ "tags": ["tag:laptop", "tag:nas"], "grants": [] }"#)
        XCTAssertEqual(try coordinator("policy", "set", allow).status, 0, "first policy")
        let nasKey = try coordinator("joinkey", "create", "--tag", "tag:nas")
        let laptopKey = try coordinator("joinkey", "create", "--tag", "tag:laptop")
        XCTAssertEqual(nasKey.status, 0, nasKey.stderr)
        let nasJoin = nasKey.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(nasJoin.hasPrefix("mcpmesh-join-"), nasJoin)

        let nas = try start("mcpmesh", ["up", "--join", nasJoin, "--state", path("nas"), "--name", "nas",
                                        "--listen", "127.0.0.1:0", "--server", "files"], log: "nas.log")
        _ = try start("mcpmesh", ["up", "--join", laptopKey.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                                  "--state", path("laptop"), "--name", "laptop", "--listen", "127.0.0.1:0"], log: "laptop.log")

        // Both join and get netmaps that match the policy.
        let joined = waitUntil(timeout: 15) { peers(of: "nas") == ["laptop"] && peers(of: "laptop") == ["nas"] }
        print("e2e: joined and got netmaps in \(String(format: "%.3f", joined ?? -1)) s; nas sees \(peers(of: "nas") ?? [])")
        XCTAssertNotNil(joined, "netmaps after join")
        let laptopOut = try XCTUnwrap(outbound(of: "laptop"))
        XCTAssertEqual(laptopOut.values.first, ["files": ["*"]])
        XCTAssertEqual(outbound(of: "nas"), [:])
        let list = try coordinator("nodes", "list", "--json")
        XCTAssertTrue(list.stdout.contains("\"laptop\"") && list.stdout.contains("\"nas\""), list.stdout)
        // Private keys stay 0600 in 0700 directories.
        for node in ["nas", "laptop"] {
            let attrs = try FileManager.default.attributesOfItem(atPath: path("\(node)/identity.key"))
            XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600)
            let d = try FileManager.default.attributesOfItem(atPath: path(node))
            XCTAssertEqual((d[.posixPermissions] as? NSNumber)?.intValue, 0o700)
        }

        // A policy change reaches both nodes within 2 s of the admin's command.
        var issued = Date()
        XCTAssertEqual(try coordinator("policy", "set", deny).status, 0)
        XCTAssertNotNil(waitUntil(timeout: 2) { peers(of: "nas") == [] && peers(of: "laptop") == [] }, "deny policy must reach both within 2 s")
        let revoked = Date().timeIntervalSince(issued)
        XCTAssertLessThan(revoked, 2)
        print("e2e: policy change reached both nodes \(String(format: "%.3f", revoked)) s after the command started")
        XCTAssertEqual(try coordinator("policy", "set", allow).status, 0)
        XCTAssertNotNil(waitUntil(timeout: 2) { peers(of: "nas") == ["laptop"] && peers(of: "laptop") == ["nas"] })

        // Key rotation: the laptop replaces its identity key, signed by the old one; the
        // registry and the nas's netmap carry the new key, and the laptop keeps working.
        let oldKey = try String(contentsOfFile: path("laptop/netmap.json"), encoding: .utf8)
        let laptopProcess = processes[2]
        laptopProcess.stop()
        let oldIdentity = FileManager.default.contents(atPath: path("laptop/identity.key"))
        _ = try start("mcpmesh", ["up", "--rotate-key", "--state", path("laptop"), "--listen", "127.0.0.1:0"], log: "laptop2.log")
        XCTAssertNotNil(waitUntil(timeout: 15) {
            FileManager.default.contents(atPath: path("laptop/identity.key")) != oldIdentity
                && (try? String(contentsOfFile: path("laptop/netmap.json"), encoding: .utf8)) != oldKey
                && peers(of: "laptop") == ["nas"]
        }, "the laptop rotates its key and gets a netmap under the new one")
        let rotatedList = try coordinator("nodes", "list", "--json")
        XCTAssertNotNil(waitUntil(timeout: 5) { (try? String(contentsOfFile: path("nas/netmap.json"), encoding: .utf8))?
            .contains(newLaptopKey()) ?? false }, "the nas's netmap names the laptop's new key: \(rotatedList.stdout)")

        // Removing a node drops it from its peer's netmap within 2 s, and the node hears why.
        issued = Date()
        XCTAssertEqual(try coordinator("nodes", "remove", "nas").status, 0)
        XCTAssertNotNil(waitUntil(timeout: 2) { peers(of: "laptop") == [] }, "removed node must leave its peer's netmap within 2 s")
        let dropped = Date().timeIntervalSince(issued)
        XCTAssertLessThan(dropped, 2)
        print("e2e: node removal reached its peer \(String(format: "%.3f", dropped)) s after the command started")
        XCTAssertEqual(nas.waitForExit(timeout: 10), 1)
        XCTAssertTrue(nas.output.contains("removed from the mesh by an admin"), nas.output.suffix(500).description)

        // A used single-use key is refused with a reason the node prints.
        let again = try start("mcpmesh", ["up", "--join", nasJoin, "--state", path("nas2"), "--listen", "127.0.0.1:0"], log: "nas2.log")
        XCTAssertEqual(again.waitForExit(timeout: 20), 1)
        XCTAssertTrue(again.output.contains("already"), again.output.suffix(500).description)
    }
}
