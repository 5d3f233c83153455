import Foundation
import MeshCrypto
import MeshWire
import Registry
import XCTest
@testable import Coordinator

/// Admin requests end to end in one process: request line in, reply line out, against a
/// `CoordinatorState` over an in-memory registry.
final class AdminHandlerTests: XCTestCase {
    func testStatusDescribesTheServer() async throws {
        let c = try InProcessCoordinator()
        let status = try await c.call(.status, as: AdminResults.Status.self)
        XCTAssertEqual(status.coordinatorKey, c.identity.publicKey.text)
        XCTAssertEqual(status.address, "coord.example.com:41641")
        XCTAssertEqual(status.protocolVersion, 1)
        XCTAssertEqual(status.nodes, 0)
        XCTAssertNil(status.policyVersion)
    }

    func testJoinKeyCreateReturnsAKeyWhoseHashAloneIsStored() async throws {
        let c = try InProcessCoordinator()
        _ = try await c.call(.policySet(text: Policies.tagsOnly, file: "p.json"), as: AdminResults.PolicyApplied.self)
        let options = JoinKeyOptions(tags: ["tag:nas"], reusable: true, ephemeral: false, expiresInSeconds: 3_600)
        let created = try await c.call(.joinKeyCreate(options), as: AdminResults.JoinKeyCreated.self, actor: "alice")

        let key = try JoinKey(text: created.key)
        XCTAssertEqual(key.coordinatorKey, c.identity.publicKey)
        XCTAssertEqual(key.coordinatorAddress, "coord.example.com:41641")
        let stored = try XCTUnwrap(try c.registry.joinKey(id: created.joinKey.id))
        XCTAssertEqual(stored.secretHash, key.secretHash)
        XCTAssertEqual(stored.tags, ["tag:nas"])
        XCTAssertTrue(stored.reusable)
        XCTAssertEqual(stored.expiresAt, c.clock.now.addingTimeInterval(3_600))
        XCTAssertEqual(created.joinKey.state, "usable")
        // The secret itself appears nowhere in the registry's records.
        let secretHex = Hex.encode(key.secret)
        XCTAssertFalse(try c.registry.joinKeys().contains { "\($0)".contains(secretHex) })
        // The audit trail names the admin.
        let audit = try c.registry.adminActions().last
        XCTAssertEqual(audit?.action, "joinkey.create")
        XCTAssertEqual(audit?.actor, "admin:alice")
        // The key registers a node.
        let node = try c.registry.registerNode(
            NodeRegistration(name: "nas-1", publicKey: IdentitySecretKey.generate().publicKey.text,
                             keyExpiry: c.clock.now.addingTimeInterval(86_400)),
            joinKeySecretHash: key.secretHash, now: c.clock.now)
        XCTAssertEqual(node.tags, ["tag:nas"])
    }

    func testJoinKeyTagsMustBeDeclaredInTheLivePolicy() async throws {
        let c = try InProcessCoordinator()
        let failure = try await c.failure(.joinKeyCreate(JoinKeyOptions(tags: ["tag:nas"])))
        XCTAssertEqual(failure.code, .invalidArgument)
        XCTAssertEqual(failure.message, "tag:nas is not declared in the \"tags\" of the live policy (the built-in empty policy); "
                       + "declare it with `policy set` first")
        XCTAssertTrue(try c.registry.joinKeys().isEmpty)
        let bad = try await c.failure(.joinKeyCreate(JoinKeyOptions(expiresInSeconds: -5)))
        XCTAssertEqual(bad.code, .invalidArgument)
    }

    func testJoinKeyListAndRevoke() async throws {
        let c = try InProcessCoordinator()
        let first = try await c.call(.joinKeyCreate(JoinKeyOptions(expiresInSeconds: 60)), as: AdminResults.JoinKeyCreated.self)
        let second = try await c.call(.joinKeyCreate(JoinKeyOptions()), as: AdminResults.JoinKeyCreated.self)
        XCTAssertNotEqual(first.key, second.key)
        XCTAssertNotEqual(first.joinKey.id, second.joinKey.id)

        c.clock.advance(by: 120)
        let revoked = try await c.call(.joinKeyRevoke(id: second.joinKey.id), as: AdminResults.JoinKeyResult.self)
        XCTAssertEqual(revoked.joinKey.state, "revoked")
        let list = try await c.call(.joinKeyList, as: AdminResults.JoinKeyList.self)
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: list.joinKeys.map { ($0.id, $0.state) }),
                       [first.joinKey.id: "expired", second.joinKey.id: "revoked"])
        XCTAssertFalse(String(describing: list).contains(first.key), "list never shows a key")

        let again = try await c.failure(.joinKeyRevoke(id: second.joinKey.id))
        XCTAssertEqual(again.code, .conflict)
        XCTAssertTrue(again.message.hasPrefix("join key \"\(second.joinKey.id)\" was already revoked at "), again.message)
        let missing = try await c.failure(.joinKeyRevoke(id: "nosuchkey"))
        XCTAssertEqual(missing.code, .notFound)
        XCTAssertEqual(missing.message, "no join key has id \"nosuchkey\"")
    }

    func testNodesListTagExpireRemove() async throws {
        let c = try InProcessCoordinator()
        try await Nodes.register("nas-1", tags: ["tag:nas"], in: c.state, now: c.clock.now)
        try await Nodes.register("laptop-1", tags: ["tag:laptop"], in: c.state, now: c.clock.now)
        _ = try await c.call(.policySet(text: Policies.laptopsToNAS, file: "p.json"), as: AdminResults.PolicyApplied.self)
        await c.state.setOnline(try XCTUnwrap(try c.registry.node(named: "nas-1")).id, true)

        var list = try await c.call(.nodesList, as: AdminResults.NodeList.self)
        XCTAssertEqual(list.nodes.map(\.name), ["laptop-1", "nas-1"])
        XCTAssertEqual(list.nodes.map(\.online), [false, true])
        XCTAssertEqual(list.nodes[1].tags, ["tag:nas"])
        XCTAssertEqual(list.nodes[1].servers, ["files", "git"])
        XCTAssertEqual(list.nodes[1].endpoints, ["192.0.2.1:41641"])

        let tagged = try await c.call(.nodesTag(node: "laptop-1", tags: ["tag:laptop", "tag:gpu"]), as: AdminResults.NodeResult.self)
        XCTAssertEqual(tagged.node.tags, ["tag:gpu", "tag:laptop"])
        let undeclared = try await c.failure(.nodesTag(node: "laptop-1", tags: ["tag:ci"]))
        XCTAssertEqual(undeclared.code, .invalidArgument)
        XCTAssertTrue(undeclared.message.hasPrefix("tag:ci is not declared"), undeclared.message)
        let unknown = try await c.failure(.nodesTag(node: "ghost", tags: ["tag:nas"]))
        XCTAssertEqual(unknown.code, .notFound)
        XCTAssertEqual(unknown.message, "no node named \"ghost\" is registered (see `nodes list`)")

        let expired = try await c.call(.nodesExpire(node: "laptop-1"), as: AdminResults.NodeResult.self)
        XCTAssertTrue(expired.node.expired)
        XCTAssertEqual(expired.node.expiredAt, c.clock.now)
        let twice = try await c.failure(.nodesExpire(node: "laptop-1"))
        XCTAssertEqual(twice.code, .conflict)

        _ = try await c.call(.nodesRemove(node: "laptop-1"), as: AdminResults.NodeResult.self)
        list = try await c.call(.nodesList, as: AdminResults.NodeList.self)
        XCTAssertEqual(list.nodes.map(\.name), ["nas-1"])
        XCTAssertNil(try c.registry.node(named: "laptop-1"))
        XCTAssertEqual(try c.registry.adminActions().suffix(3).map(\.action), ["node.tag", "node.expire", "node.remove"])
    }

    func testPolicySetShowsChangesAndRejectionLeavesTheLivePolicy() async throws {
        let c = try InProcessCoordinator()
        try await Nodes.register("nas-1", tags: ["tag:nas"], in: c.state, now: c.clock.now)
        try await Nodes.register("laptop-1", tags: ["tag:laptop"], in: c.state, now: c.clock.now)

        // Before any policy: the built-in empty one.
        var live = try await c.call(.policyGet(version: nil), as: AdminResults.PolicyText.self)
        XCTAssertNil(live.version)
        XCTAssertEqual(live.text, CoordinatorState.emptyPolicyText)

        let first = try await c.call(.policySet(text: Policies.laptopsToNAS, file: "p.json"), as: AdminResults.PolicyApplied.self)
        XCTAssertEqual(first.version, 1)
        XCTAssertEqual(first.tests, 1)
        XCTAssertEqual(first.expectations, 2)
        XCTAssertEqual(first.affectedNodes, 2)
        XCTAssertEqual(first.changes.map(\.text), [
            "+ laptop-1 gains nas-1/files (every tool)",
            "+ laptop-1 gains nas-1/git (tools read_*)",
        ])

        // Three problems, all reported with line:column; nothing changes.
        let rejected = try await c.failure(.policySet(text: Policies.threeProblems, file: "bad.json"))
        XCTAssertEqual(rejected.code, .policyRejected)
        XCTAssertEqual(rejected.message, "bad.json was rejected (3 problems); the live policy (version 1) stays in force")
        XCTAssertEqual(rejected.problems?.map { $0.components(separatedBy: ": ").first ?? "" },
                       ["bad.json:2:12", "bad.json:4:15", "bad.json:4:64"])
        XCTAssertTrue(rejected.problems?[0].hasSuffix("\"nas\" is not a valid tag: it must start with \"tag:\".") == true)
        XCTAssertTrue(rejected.problems?[1].hasSuffix("group:missing is not defined in \"groups\".") == true)
        XCTAssertEqual(rejected.problems?.count, 3)
        for problem in rejected.problems ?? [] {
            XCTAssertNotNil(problem.range(of: #"^bad\.json:\d+:\d+: "#, options: .regularExpression), problem)
        }
        let failing = try await c.failure(.policySet(text: Policies.failingTest, file: "t.json"))
        XCTAssertEqual(failing.code, .policyRejected)
        XCTAssertEqual(failing.problems?.count, 1)
        XCTAssertTrue(failing.problems?.first?.hasPrefix("t.json:4:47: Test tests[0] at 4:14 expects tag:laptop to be allowed nas-1/git/write_file, but it is denied: grants[0] at 3:15 allows only tools matching read_* on git") == true,
                      failing.problems?.first ?? "")

        live = try await c.call(.policyGet(version: nil), as: AdminResults.PolicyText.self)
        XCTAssertEqual(live.version, 1)
        XCTAssertEqual(live.text, Policies.laptopsToNAS)
        XCTAssertEqual(try c.registry.policyHistory().count, 1)
        let still = try await c.call(.policyExplain(source: "laptop-1", target: "nas-1/files/write_file"), as: AdminResults.Explanation.self)
        XCTAssertTrue(still.allowed, "the old policy is still in force")

        // The same text again stores nothing.
        let same = try await c.call(.policySet(text: Policies.laptopsToNAS, file: "p.json"), as: AdminResults.PolicyApplied.self)
        XCTAssertTrue(same.unchanged)
        XCTAssertEqual(same.version, 1)
        XCTAssertEqual(try c.registry.policyHistory().count, 1)
    }

    func testPolicyCheckHistoryRollbackAndExplain() async throws {
        let c = try InProcessCoordinator()
        try await Nodes.register("nas-1", tags: ["tag:nas"], in: c.state, now: c.clock.now)
        try await Nodes.register("laptop-1", tags: ["tag:laptop"], in: c.state, now: c.clock.now)
        try await Nodes.register("gpu-1", tags: ["tag:gpu"], in: c.state, now: c.clock.now)
        _ = try await c.call(.policySet(text: Policies.laptopsToNAS, file: "p.json"), as: AdminResults.PolicyApplied.self, actor: "alice")

        let checked = try await c.call(.policyCheck(text: Policies.narrower, file: "n.json"), as: AdminResults.PolicyChecked.self)
        XCTAssertEqual(checked.nodes, 3)
        XCTAssertEqual(checked.liveVersion, 1)
        XCTAssertEqual(checked.changes.map(\.text), [
            "+ gpu-1 gains nas-1/files (every tool)",
            "+ gpu-1 gains nas-1/git (every tool)",
            "- laptop-1 loses nas-1/files (every tool)",
            "+ laptop-1 gains nas-1/files (tools read_*)",
            "- laptop-1 loses nas-1/git (tools read_*)",
        ])
        XCTAssertEqual(try c.registry.policyHistory().count, 1, "check stores nothing")

        c.clock.advance(by: 60)
        let second = try await c.call(.policySet(text: Policies.narrower, file: "n.json"), as: AdminResults.PolicyApplied.self, actor: "bob")
        XCTAssertEqual(second.version, 2)
        var explained = try await c.call(.policyExplain(source: "laptop-1", target: "nas-1/files/write_file"), as: AdminResults.Explanation.self)
        XCTAssertFalse(explained.allowed)
        XCTAssertEqual(explained.decision, "denied: grants[0] at 4:5 allows only tools matching read_* on files, and write_file matches none of them")
        explained = try await c.call(.policyExplain(source: "tag:gpu", target: "nas-1/git/push"), as: AdminResults.Explanation.self)
        XCTAssertEqual(explained.decision, "allowed by grants[1] at 5:5")
        XCTAssertEqual(explained.policyVersion, 2)
        let unknown = try await c.failure(.policyExplain(source: "ghost", target: "nas-1/files"))
        XCTAssertEqual(unknown.code, .invalidArgument)
        XCTAssertEqual(unknown.message, "There is no node named \"ghost\".")

        let rolledBack = try await c.call(.policyRollback(version: 1), as: AdminResults.PolicyApplied.self, actor: "carol")
        XCTAssertEqual(rolledBack.version, 3)
        XCTAssertEqual(rolledBack.restored, 1)
        XCTAssertEqual(rolledBack.changes.count, 5)
        let history = try await c.call(.policyHistory, as: AdminResults.PolicyHistory.self)
        XCTAssertEqual(history.versions.map(\.version), [3, 2, 1])
        XCTAssertEqual(history.versions.map(\.live), [true, false, false])
        XCTAssertEqual(history.versions.map(\.author), ["admin:carol", "admin:bob", "admin:alice"])
        XCTAssertEqual(history.versions.map(\.rolledBackFrom), [1, nil, nil])
        let old = try await c.call(.policyGet(version: 2), as: AdminResults.PolicyText.self)
        XCTAssertEqual(old.text, Policies.narrower)
        XCTAssertFalse(old.live)

        let current = try await c.failure(.policyRollback(version: 3))
        XCTAssertEqual(current.code, .conflict)
        XCTAssertEqual(current.message, "policy version 3 is already the current policy")
        let missing = try await c.failure(.policyRollback(version: 9))
        XCTAssertEqual(missing.code, .notFound)
        XCTAssertEqual(missing.message, "no policy version 9 is stored")
    }

    func testBadLinesGetAFailureReplyWithTheirID() async throws {
        let c = try InProcessCoordinator()
        let reply = await c.handler.handle(line: Array(#"{"v":7,"id":12,"command":"status"}"#.utf8))
        let decoded = try AdminJSON.decoder().decode(AdminReply<AdminArguments.Empty>.self, from: Data(reply))
        XCTAssertFalse(decoded.ok)
        XCTAssertEqual(decoded.id, 12)
        XCTAssertEqual(decoded.error?.code, .unsupportedVersion)
    }
}
