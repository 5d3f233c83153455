import XCTest
import Policy

final class PolicyDiffTests: XCTestCase {
    private func diff(_ old: String, _ new: String, nodes: NodeDirectory = Fixtures.nodes) throws -> PolicyDiff {
        PolicyDiff(from: try Fixtures.compiled(old, nodes: nodes), to: try Fixtures.compiled(new, nodes: nodes))
    }

    private func policy(groups: String = #""group:clients": ["tag:laptop", "node:alice-desktop"]"#, grants: String) -> String {
        """
        {"tags": ["tag:laptop", "tag:nas", "tag:gpu", "tag:ci"],
         "groups": {\(groups)},
         "grants": [\(grants)]}
        """
    }

    func testGainsAndLosses() throws {
        let new = policy(grants: """
        { "src": ["group:clients"], "dst": ["tag:nas"], "mcp": ["files", "git:read_*", "git:log"] },
        { "src": ["tag:ci"], "dst": ["node:nas-1"], "mcp": ["git:get_?"] },
        { "src": ["tag:gpu"], "dst": ["tag:ci"], "mcp": ["llama:chat"] },
        """)
        let changes = try diff(Fixtures.policy, new)
        XCTAssertEqual(changes.description, """
        + alice-desktop gains nas-1/git (tools log)
        + gpu-1 gains ci-1/llama (tools chat)
        - laptop-1 loses gpu-1/files (every tool)
        - laptop-1 loses gpu-1/llama (every tool)
        + laptop-1 gains nas-1/git (tools log)
        """)
        XCTAssertEqual(changes.gained.count, 3)
        XCTAssertEqual(changes.lost.map(\.destination), ["gpu-1", "gpu-1"])
        XCTAssertEqual(changes.changes.first,
                       AccessChange(kind: .gained, source: "alice-desktop", destination: "nas-1", server: "git", tools: ToolGlob("log")))
        // And back again: every gain becomes a loss.
        XCTAssertEqual(try diff(new, Fixtures.policy).changes.map(\.kind), [.lost, .lost, .gained, .gained, .lost])
    }

    func testNarrowingShowsTheOldPatternLostAndTheNewGained() throws {
        let old = policy(grants: #"{"src": ["node:ci-1"], "dst": ["node:gpu-1"], "mcp": ["llama"]}"#)
        let new = policy(grants: #"{"src": ["node:ci-1"], "dst": ["node:gpu-1"], "mcp": ["llama:chat_*"]}"#)
        XCTAssertEqual(try diff(old, new).description, """
        - ci-1 loses gpu-1/llama (every tool)
        + ci-1 gains gpu-1/llama (tools chat_*)
        """)
    }

    func testGroupEditsReachEveryMember() throws {
        let grants = #"{"src": ["group:clients"], "dst": ["tag:nas"], "mcp": ["files"]}"#
        let changes = try diff(policy(grants: grants), policy(groups: #""group:clients": ["tag:laptop"]"#, grants: grants))
        XCTAssertEqual(changes.description, """
        - alice-desktop loses nas-1/files (every tool)
        - alice-desktop loses nas-2/files (every tool)
        """)
    }

    func testEditsWithoutEffectShowNothing() throws {
        let reordered = """
        {
          "tags": ["tag:ci", "tag:gpu", "tag:nas", "tag:laptop"],   // reordered
          "groups": { "group:clients": ["node:alice-desktop", "tag:laptop"], "group:unused": [] },
          "grants": [
            { "src": ["tag:ci"], "dst": ["node:nas-1"], "mcp": ["git:get_?"] },
            { "src": ["tag:laptop"], "dst": ["tag:gpu"], "mcp": ["*"] },
            { "src": ["group:clients"], "dst": ["tag:nas"], "mcp": ["git:read_*", "files:*"] },
            { "src": ["tag:laptop"], "dst": ["tag:gpu"], "mcp": ["*"] },  // a duplicate grant
          ],
        }
        """
        let changes = try diff(Fixtures.policy, reordered)
        XCTAssertTrue(changes.isEmpty)
        XCTAssertEqual(changes.description, "no access changes")
    }

    func testDifferentDirectoriesAreComparedInFull() throws {
        let old = try Fixtures.compiled()
        var new = old
        new.upsert(PolicyNode(name: "laptop-2", tags: ["tag:laptop"]))
        new.upsert(PolicyNode(name: "nas-2", tags: ["tag:nas"], expired: true, servers: ["files"]))
        XCTAssertEqual(PolicyDiff(from: old, to: new).description, """
        - alice-desktop loses nas-2/files (every tool)
        - laptop-1 loses nas-2/files (every tool)
        + laptop-2 gains gpu-1/files (every tool)
        + laptop-2 gains gpu-1/llama (every tool)
        + laptop-2 gains nas-1/files (every tool)
        + laptop-2 gains nas-1/git (tools read_*)
        """)
    }
}

final class AffectedNodesTests: XCTestCase {
    func testOnlyMembersOfChangedGrantsAreAffected() throws {
        let old = try Fixtures.compiled()
        let narrowed = Fixtures.policy.replacingOccurrences(of: #""mcp": ["git:get_?"]"#, with: #""mcp": ["git:get_*"]"#)
        XCTAssertEqual(try Fixtures.compiled(narrowed).nodesAffected(since: old), ["ci-1", "nas-1"])
        let cosmetic = Fixtures.policy.replacingOccurrences(of: "// tags that", with: "// the tags that")
        XCTAssertEqual(try Fixtures.compiled(cosmetic).nodesAffected(since: old), [])
        var moved = old
        moved.upsert(PolicyNode(name: "new-node"))
        XCTAssertEqual(moved.nodesAffected(since: old).count, Fixtures.nodes.count + 1)
    }
}
