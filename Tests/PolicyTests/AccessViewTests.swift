import XCTest
import Policy

final class AccessViewTests: XCTestCase {
    private func glob(_ p: String) -> ToolGlob { ToolGlob(p)! }

    func testInboundRulesAreWhatTheDestinationEnforces() throws {
        let policy = try Fixtures.compiled()
        let clientView = [ServerAccess(server: "files", tools: .all), ServerAccess(server: "git", tools: .only([glob("read_*")]))]
        XCTAssertEqual(policy.inboundAccess(to: "nas-1"), [
            PeerAccess(peer: "alice-desktop", servers: clientView),
            PeerAccess(peer: "ci-1", servers: [ServerAccess(server: "git", tools: .only([glob("get_?")]))]),
            PeerAccess(peer: "laptop-1", servers: clientView),
        ])
        XCTAssertEqual(policy.inboundAccess(to: "gpu-1").map(\.description), ["laptop-1: files (every tool), llama (every tool)"])
        XCTAssertEqual(policy.inboundAccess(to: "old-laptop"), [])
        XCTAssertEqual(policy.inboundAccess(to: "nobody"), [])
    }

    func testOutboundViewIsWhatTheSourceMayUse() throws {
        let policy = try Fixtures.compiled()
        XCTAssertEqual(policy.outboundAccess(from: "laptop-1").map(\.description), [
            "gpu-1: files (every tool), llama (every tool)",
            "nas-1: files (every tool), git (tools read_*)",
            "nas-2: files (every tool)",
        ])
        XCTAssertEqual(policy.outboundAccess(from: "ci-1").map(\.description), ["nas-1: git (tools get_?)"])
        XCTAssertEqual(policy.outboundAccess(from: "old-laptop"), [])
        XCTAssertEqual(policy.outboundAccess(from: "gpu-1"), [])
        XCTAssertEqual(policy.peers(of: "nas-1"), ["alice-desktop", "ci-1", "laptop-1"])
        XCTAssertEqual(policy.peers(of: "laptop-1"), ["gpu-1", "nas-1", "nas-2"])
    }

    func testGlobsMergeAndEveryToolWins() throws {
        let text = """
        {"tags": ["tag:a"],
         "grants": [
           {"src": ["node:a"], "dst": ["node:b"], "mcp": ["git:read_*", "git:list_*", "git:read_*"]},
           {"src": ["tag:a"], "dst": ["node:b"], "mcp": ["files:x", "*:get_*"]},
           {"src": ["node:a"], "dst": ["node:b"], "mcp": ["files:*"]},
         ]}
        """
        let nodes = NodeDirectory([PolicyNode(name: "a", tags: ["tag:a"]), PolicyNode(name: "b", servers: ["git", "files"])])
        let policy = try Fixtures.compiled(text, nodes: nodes)
        XCTAssertEqual(policy.inboundAccess(to: "b"), [PeerAccess(peer: "a", servers: [
            ServerAccess(server: "files", tools: .all),
            ServerAccess(server: "git", tools: .only([glob("get_*"), glob("list_*"), glob("read_*")])),
        ])])
        XCTAssertEqual(policy.outboundAccess(from: "a"), policy.inboundAccess(to: "b").map { PeerAccess(peer: "b", servers: $0.servers) })
    }

    /// The views and `may` must agree on every pair, server and sample tool.
    func testViewsAgreeWithMayForEveryPair() throws {
        let policy = try Fixtures.compiled()
        let tools = ["read_file", "write_file", "get_a", "get_ab", "x"]
        for src in Fixtures.nodes.sortedNames {
            let outbound = Dictionary(uniqueKeysWithValues: policy.outboundAccess(from: src).map { ($0.peer, $0.servers) })
            for dst in Fixtures.nodes.sortedNames {
                let inbound = policy.inboundAccess(to: dst).first { $0.peer == src }?.servers ?? []
                XCTAssertEqual(inbound, outbound[dst] ?? [], "\(src) -> \(dst)")
                for server in ["files", "git", "llama"] {
                    let access = inbound.first { $0.server == server }?.tools
                    let session = policy.may(Fixtures.nodes[src]!, Fixtures.nodes[dst]!, server: server)
                    XCTAssertEqual(session.isAllowed, access != nil, "\(src) -> \(dst)/\(server)")
                    for tool in tools {
                        let call = policy.may(Fixtures.nodes[src]!, Fixtures.nodes[dst]!, server: server, tool: tool)
                        XCTAssertEqual(call.isAllowed, access?.permits(tool) ?? false, "\(src) -> \(dst)/\(server)/\(tool)")
                    }
                }
            }
        }
    }

    /// A mesh the size the coordinator targets: one node's view comes from its grants, not from
    /// all pairs. (Timing belongs to bench/; this checks the results at that size.)
    func testViewsAtMeshScale() throws {
        var tags = (0..<100).map { "\"tag:t\($0)\"" }
        tags.append("\"tag:all\"")
        let grants = (0..<1_000).map { i in
            "{\"src\": [\"tag:t\(i % 100)\"], \"dst\": [\"tag:t\((i + 1) % 100)\"], \"mcp\": [\"s\(i % 7):tool\(i)_*\"]}"
        }
        let text = "{\"tags\": [\(tags.joined(separator: ","))], \"grants\": [\(grants.joined(separator: ",\n"))]}"
        let nodes = NodeDirectory((0..<10_000).map { n in
            PolicyNode(name: "n\(n)", tags: ["tag:t\(n % 100)"], servers: (0..<7).map { "s\($0)" })
        })
        let policy = try Fixtures.compiled(text, nodes: nodes)
        let inbound = policy.inboundAccess(to: "n5")  // tag:t5, reached from tag:t4 by grants 4, 104, …, 904
        XCTAssertEqual(inbound.count, 100)
        XCTAssertEqual(inbound.map(\.peer), (0..<100).map { "n\($0 * 100 + 4)" }.sorted())
        XCTAssertEqual(inbound.first?.servers.flatMap { $0.tools.patterns }.count, 10)
        XCTAssertEqual(policy.outboundAccess(from: "n4").count, 100)
    }
}
