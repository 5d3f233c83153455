import Foundation
import XCTest
@testable import Registry

final class NodeAdminTests: XCTestCase {
    private var registry: Registry!
    private var nas: RegisteredNode!

    override func setUpWithError() throws {
        registry = try Registry.inMemory()
        try registry.makeJoinKey(1, tags: ["tag:nas"], reusable: true)
        nas = try registry.join("nas", key: 1, joinKey: 1, servers: ["files"], endpoints: ["10.0.0.1:41641"])
    }

    func testSetTagsReplacesNormalizesAndAudits() throws {
        let node = try registry.setTags(["tag:gpu", "tag:nas", "tag:gpu"], ofNode: nas.id, actor: "alice", now: at(5))
        XCTAssertEqual(node.tags, ["tag:gpu", "tag:nas"])
        XCTAssertEqual(try registry.node(id: nas.id)?.tags, ["tag:gpu", "tag:nas"])
        XCTAssertEqual(try registry.setTags([], ofNode: nas.id, actor: "alice", now: at(6)).tags, [])
        let action = try XCTUnwrap(registry.adminActions().first { $0.action == "node.tag" })
        XCTAssertEqual(action.actor, "alice")
        XCTAssertEqual(action.time, at(5))
        XCTAssertEqual(try action.decodedDetails()["after"], .list(["tag:gpu", "tag:nas"]))
        XCTAssertEqual(try action.decodedDetails()["before"], .list(["tag:nas"]))
        assertThrows(.invalidTag("tag:", reason: "no name follows \"tag:\"")) {
            try registry.setTags(["tag:"], ofNode: nas.id, actor: "alice", now: at(7))
        }
        assertThrows(.nodeNotFound(what: "id 99")) {
            try registry.setTags(["tag:x"], ofNode: RegisteredNode.ID(rawValue: 99), actor: "alice", now: at(7))
        }
    }

    func testExpireNode() throws {
        XCTAssertFalse(nas.isExpired(at: at(1)))
        XCTAssertTrue(nas.isExpired(at: nas.keyExpiry))
        let expired = try registry.expireNode(nas.id, actor: "alice", now: at(50))
        XCTAssertTrue(expired.adminExpired)
        XCTAssertEqual(expired.expiredAt, at(50))
        XCTAssertEqual(expired.expiry, at(50))
        XCTAssertTrue(expired.isExpired(at: at(51)))
        XCTAssertEqual(try registry.node(id: nas.id), expired)
        assertThrows(.nodeAlreadyExpired(name: "nas", at: at(50))) {
            try registry.expireNode(nas.id, actor: "alice", now: at(60))
        }
        assertThrows(.nodeNotFound(what: "id 99")) {
            try registry.expireNode(RegisteredNode.ID(rawValue: 99), actor: "alice", now: at(60))
        }
    }

    func testRemoveNodeCascadesToTagsServersAndNetmapVersion() throws {
        XCTAssertEqual(try registry.nextNetmapVersion(for: nas.id), 1)
        let removed = try registry.removeNode(nas.id, actor: "alice", now: at(5))
        XCTAssertEqual(removed, nas)
        XCTAssertNil(try registry.node(id: nas.id))
        XCTAssertEqual(try registry.rawInt("SELECT COUNT(*) FROM node_tags"), 0)
        XCTAssertEqual(try registry.rawInt("SELECT COUNT(*) FROM node_servers"), 0)
        XCTAssertEqual(try registry.rawInt("SELECT COUNT(*) FROM netmap_versions"), 0)
        XCTAssertEqual(try registry.netmapVersion(for: nas.id), 0)
        assertThrows(.nodeNotFound(what: "id \(nas.id)")) { try registry.removeNode(nas.id, actor: "alice", now: at(6)) }
        XCTAssertEqual(try registry.integrityProblems(), [])
    }

    func testRecordNodeSeenReportsWhatChanged() throws {
        let same = try registry.recordNodeSeen(nas.id, at: at(10), endpoints: ["10.0.0.1:41641"], servers: ["files"])
        XCTAssertFalse(same.peersAffected)
        XCTAssertEqual(same.node.lastSeenAt, at(10))

        let onlySeen = try registry.recordNodeSeen(nas.id, at: at(11))
        XCTAssertFalse(onlySeen.peersAffected)
        XCTAssertEqual(onlySeen.node.lastEndpoints, ["10.0.0.1:41641"])
        XCTAssertEqual(onlySeen.node.servers, ["files"])

        let moved = try registry.recordNodeSeen(nas.id, at: at(12), endpoints: ["203.0.113.9:5000", "10.0.0.1:41641"])
        XCTAssertTrue(moved.endpointsChanged)
        XCTAssertFalse(moved.serversChanged)
        XCTAssertEqual(moved.node.lastEndpoints, ["203.0.113.9:5000", "10.0.0.1:41641"])

        let servers = try registry.recordNodeSeen(nas.id, at: at(13), servers: ["git", "files"])
        XCTAssertTrue(servers.serversChanged)
        XCTAssertFalse(servers.endpointsChanged)
        XCTAssertEqual(try registry.node(id: nas.id)?.servers, ["files", "git"])
        XCTAssertEqual(try registry.node(id: nas.id)?.lastSeenAt, at(13))

        assertThrows(.invalidEndpoint("::1:80", reason: "an IPv6 host must be in brackets, as in [::1]:41641")) {
            try registry.recordNodeSeen(nas.id, at: at(14), endpoints: ["::1:80"])
        }
        assertThrows(.nodeNotFound(what: "id 99")) { try registry.recordNodeSeen(RegisteredNode.ID(rawValue: 99), at: at(14)) }
    }

    func testRotateNodeKey() throws {
        let rotated = try registry.rotateNodeKey(nas.id, newPublicKey: nodeKey(2), keyExpiry: at(400 * day), now: at(10))
        XCTAssertEqual(rotated.publicKey, nodeKey(2))
        XCTAssertEqual(rotated.keyExpiry, at(400 * day))
        XCTAssertEqual(rotated.id, nas.id)
        XCTAssertEqual(rotated.tags, nas.tags)
        XCTAssertNil(try registry.node(publicKey: nodeKey(1)))
        XCTAssertEqual(try registry.node(publicKey: nodeKey(2))?.id, nas.id)
        let action = try XCTUnwrap(registry.adminActions().last)
        XCTAssertEqual(action.action, "node.rotate-key")
        XCTAssertEqual(action.actor, "node:nas")
        XCTAssertEqual(try action.decodedDetails()["old_key"], .text(nodeKey(1)))
    }

    func testRotateRefusesTakenKeyAndExpiredNodes() throws {
        try registry.join("other", key: 3, joinKey: 1)
        assertThrows(.publicKeyTaken(key: nodeKey(3), node: "other")) {
            try registry.rotateNodeKey(nas.id, newPublicKey: nodeKey(3), keyExpiry: at(day), now: at(1))
        }
        assertThrows(.nodeExpired(name: "nas", at: nas.keyExpiry)) {
            try registry.rotateNodeKey(nas.id, newPublicKey: nodeKey(4), keyExpiry: at(999 * day), now: nas.keyExpiry)
        }
        try registry.expireNode(nas.id, actor: "alice", now: at(2))
        assertThrows(.nodeExpired(name: "nas", at: at(2))) {
            try registry.rotateNodeKey(nas.id, newPublicKey: nodeKey(4), keyExpiry: at(day), now: at(3))
        }
        XCTAssertEqual(try registry.node(id: nas.id)?.publicKey, nodeKey(1))
    }
}
