import Foundation
import XCTest
@testable import Registry

final class AdminActionTests: XCTestCase {
    func testEveryAdminWriteIsRecordedInOrder() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, tags: ["tag:nas"], reusable: true, ephemeral: true, expiresAt: at(day), now: at(1))
        let node = try registry.join("nas", key: 1, joinKey: 1, now: at(2))
        try registry.setTags(["tag:gpu"], ofNode: node.id, actor: "alice", now: at(3))
        try registry.rotateNodeKey(node.id, newPublicKey: nodeKey(2), keyExpiry: at(2 * day), now: at(4))
        try registry.expireNode(node.id, actor: "alice", now: at(5))
        try registry.revokeJoinKey(id: "key-1", actor: "alice", now: at(6))
        try registry.appendPolicy(text: "{}", author: "alice", now: at(7))
        try registry.appendPolicy(text: "{ }", author: "alice", now: at(8))
        try registry.rollbackPolicy(to: 1, author: "alice", now: at(9))
        try registry.removeNode(node.id, actor: "alice", now: at(10))
        try registry.recordAdminAction(actor: "alice", action: "policy.check", details: ["ok": true], now: at(11))
        // Reads and status updates are not admin writes.
        _ = try registry.nodes()
        _ = try registry.joinKeys()

        let actions = try registry.adminActions()
        XCTAssertEqual(actions.map(\.action), [
            "joinkey.create", "node.register", "node.tag", "node.rotate-key", "node.expire", "joinkey.revoke",
            "policy.set", "policy.set", "policy.rollback", "node.remove", "policy.check",
        ])
        XCTAssertEqual(actions.map(\.time), (1...11).map { at($0) })
        XCTAssertEqual(actions.map(\.actor), [
            "admin", "joinkey:key-1", "alice", "node:nas", "alice", "alice", "alice", "alice", "alice", "alice", "alice",
        ])
        let ids = actions.compactMap(\.id)
        XCTAssertEqual(ids, ids.sorted())
        XCTAssertEqual(ids.count, actions.count)

        XCTAssertEqual(try actions[0].decodedDetails(), [
            "id": "key-1", "tags": ["tag:nas"], "reusable": true, "ephemeral": true,
            "expires_at": .text(timestamp(at(day))),
        ])
        XCTAssertEqual(try actions[1].decodedDetails(), [
            "node": "nas", "id": .number(node.id.rawValue), "key": .text(nodeKey(1)),
            "tags": ["tag:nas"], "ephemeral": true,
        ])
        XCTAssertEqual(try actions[10].decodedDetails(), ["ok": true])
        // Details are stored as a JSON object with sorted keys.
        XCTAssertEqual(actions[10].details, "{\"ok\":true}")
    }

    func testLimitReturnsTheMostRecentOldestFirst() throws {
        let registry = try Registry.inMemory()
        for n in 1...5 { try registry.recordAdminAction(actor: "a", action: "x.\(n)", now: at(n)) }
        XCTAssertEqual(try registry.adminActions(limit: 2).map(\.action), ["x.4", "x.5"])
        XCTAssertEqual(try registry.adminActions(limit: 0), [])
    }

    func testAuditTrailIsAppendOnlyInTheDatabaseItself() throws {
        let registry = try Registry.inMemory()
        try registry.recordAdminAction(actor: "a", action: "x", now: t0)
        assertStorageError(containing: "append-only") { try registry.executeRawSQL("DELETE FROM admin_actions") }
        assertStorageError(containing: "append-only") { try registry.executeRawSQL("UPDATE admin_actions SET actor = 'b'") }
        XCTAssertEqual(try registry.adminActions().count, 1)
    }

    func testDetailValuesRoundTrip() throws {
        let registry = try Registry.inMemory()
        let details: [String: AdminDetail] = ["s": "text", "n": -7, "f": false, "l": ["a", "b"], "e": []]
        let record = try registry.recordAdminAction(actor: "a", action: "x", details: details, now: t0)
        XCTAssertNotNil(record.id)
        XCTAssertEqual(try registry.adminActions().first?.decodedDetails(), details)
    }
}
