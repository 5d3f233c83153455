import XCTest
import Policy

final class EvaluationTests: XCTestCase {
    private let g0 = Fixtures.grant0, g1 = Fixtures.grant1, g2 = Fixtures.grant2

    /// One row per question: source, destination, server, tool, expected decision.
    func testDecisionTable() throws {
        let policy = try Fixtures.compiled()
        let rows: [(String, String, String, String?, Decision, UInt)] = [
            ("alice-desktop", "nas-1", "files", nil, .allowed(by: g0), #line),
            ("alice-desktop", "nas-1", "files", "write_file", .allowed(by: g0), #line),
            ("alice-desktop", "nas-1", "git", "read_log", .allowed(by: g0), #line),
            ("alice-desktop", "nas-1", "git", nil, .allowed(by: g0), #line),
            ("alice-desktop", "nas-1", "git", "write_log",
             .denied(.toolNotMatched(tool: "write_log", server: "git", grant: g0, globs: ["read_*"])), #line),
            ("laptop-1", "nas-2", "files", "delete", .allowed(by: g0), #line),
            ("laptop-1", "gpu-1", "llama", "generate", .allowed(by: g1), #line),
            ("laptop-1", "gpu-1", "files", nil, .allowed(by: g1), #line),
            ("alice-desktop", "gpu-1", "llama", nil,
             .denied(.sourceNotMatched(source: "alice-desktop", grant: g1, src: ["tag:laptop"])), #line),
            ("ci-1", "nas-1", "git", "get_a", .allowed(by: g2), #line),
            ("ci-1", "nas-1", "git", "get_ab",
             .denied(.toolNotMatched(tool: "get_ab", server: "git", grant: g2, globs: ["get_?"])), #line),
            ("ci-1", "nas-2", "files", nil,
             .denied(.sourceNotMatched(source: "ci-1", grant: g0, src: ["group:clients"])), #line),
            ("ci-1", "nas-2", "git", nil, .denied(.serverNotPublished(node: "nas-2", server: "git")), #line),
            ("laptop-1", "ci-1", "llama", nil,
             .denied(.destinationNotMatched(destination: "ci-1", grant: g1, dst: ["tag:gpu"])), #line),
            ("gpu-1", "ci-1", "llama", "chat",
             .denied(.noGrant(source: "gpu-1", target: AccessTarget(peer: "ci-1", server: "llama", tool: "chat"))), #line),
            ("nas-1", "nas-2", "files", nil,
             .denied(.sourceNotMatched(source: "nas-1", grant: g0, src: ["group:clients"])), #line),
            ("old-laptop", "gpu-1", "llama", nil, .denied(.nodeExpired(node: "old-laptop")), #line),
            ("laptop-1", "laptop-1", "files", nil, .denied(.sameNode(node: "laptop-1")), #line),
        ]
        for (src, dst, server, tool, expected, line) in rows {
            let decision = policy.may(Fixtures.nodes[src]!, Fixtures.nodes[dst]!, server: server, tool: tool)
            XCTAssertEqual(decision, expected, "\(src) -> \(dst)/\(server)/\(tool ?? "")", line: line)
        }
    }

    func testExpiredDestinationAndNodesOutsideTheDirectory() throws {
        let policy = try Fixtures.compiled()
        let laptop = PolicyNode(name: "visitor", tags: ["tag:laptop"])
        let expiredNAS = PolicyNode(name: "nas-9", tags: ["tag:nas"], expired: true, servers: ["files"])
        XCTAssertEqual(policy.may(laptop, expiredNAS, server: "files"), .denied(.nodeExpired(node: "nas-9")))
        XCTAssertEqual(policy.may(laptop, Fixtures.nodes["nas-1"]!, server: "files"), .allowed(by: g0))
    }

    func testFirstAllowingGrantIsNamed() throws {
        let text = """
        {"tags": ["tag:a", "tag:b"],
         "grants": [
           {"src": ["tag:a"], "dst": ["tag:b"], "mcp": ["files:read_*"]},
           {"src": ["*"], "dst": ["*"], "mcp": ["*"]},
         ]}
        """
        let nodes = NodeDirectory([PolicyNode(name: "a", tags: ["tag:a"]), PolicyNode(name: "b", tags: ["tag:b"], servers: ["files"])])
        let policy = try Fixtures.compiled(text, nodes: nodes)
        XCTAssertEqual(policy.may(nodes["a"]!, nodes["b"]!, server: "files", tool: "read_x"),
                       .allowed(by: GrantRef(index: 0, location: loc(3, 4))))
        XCTAssertEqual(policy.may(nodes["a"]!, nodes["b"]!, server: "files", tool: "write_x"),
                       .allowed(by: GrantRef(index: 1, location: loc(4, 4))))
        XCTAssertEqual(policy.may(nodes["b"]!, nodes["a"]!, server: "files"), .denied(.serverNotPublished(node: "a", server: "files")))
    }

    func testNestedGroupsAndNodeSelectors() throws {
        let text = """
        {"tags": ["tag:ci", "tag:nas"],
         "groups": {"group:inner": ["node:bob", "tag:ci"], "group:outer": ["group:inner"]},
         "grants": [{"src": ["group:outer"], "dst": ["node:nas-1"], "mcp": ["*:get_*"]}]}
        """
        let policy = try Fixtures.compiled(text, nodes: Fixtures.nodes)
        let bob = PolicyNode(name: "bob")
        let nas1 = Fixtures.nodes["nas-1"]!
        XCTAssertTrue(policy.may(bob, nas1, server: "git", tool: "get_x").isAllowed)
        XCTAssertTrue(policy.may(Fixtures.nodes["ci-1"]!, nas1, server: "files", tool: "get_y").isAllowed)
        XCTAssertFalse(policy.may(Fixtures.nodes["ci-1"]!, Fixtures.nodes["nas-2"]!, server: "files", tool: "get_y").isAllowed)
        XCTAssertFalse(policy.may(Fixtures.nodes["laptop-1"]!, nas1, server: "files", tool: "get_y").isAllowed)
    }

    func testUpdatingTheDirectoryChangesDecisionsWithoutRecompiling() throws {
        var policy = try Fixtures.compiled()
        XCTAssertEqual(policy.inboundAccess(to: "gpu-1").map(\.peer), ["laptop-1"])
        policy.upsert(PolicyNode(name: "laptop-2", tags: ["tag:laptop"]))
        policy.upsert(PolicyNode(name: "laptop-1", tags: []))
        XCTAssertEqual(policy.inboundAccess(to: "gpu-1").map(\.peer), ["laptop-2"])
        XCTAssertEqual(policy.removeNode(named: "laptop-2")?.name, "laptop-2")
        XCTAssertNil(policy.removeNode(named: "laptop-2"))
        XCTAssertEqual(policy.inboundAccess(to: "gpu-1"), [])
        XCTAssertEqual(policy.nodes.names(withTag: "tag:laptop"), ["old-laptop"])
    }
}
