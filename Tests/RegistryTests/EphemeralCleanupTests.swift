import Foundation
import XCTest
@testable import Registry

final class EphemeralCleanupTests: XCTestCase {
    func testRemovesOnlyEphemeralNodesLastSeenBeforeTheCutoff() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, reusable: true, ephemeral: true)
        try registry.makeJoinKey(2, reusable: true)
        let gone = try registry.join("ci-1", key: 1, joinKey: 1, servers: ["x"], now: at(0))
        let fresh = try registry.join("ci-2", key: 2, joinKey: 1, now: at(0))
        try registry.recordNodeSeen(fresh.id, at: at(1_800))
        let edge = try registry.join("ci-3", key: 3, joinKey: 1, now: at(1_000))
        try registry.join("nas", key: 4, joinKey: 2, now: at(0))
        _ = try registry.nextNetmapVersion(for: gone.id)

        let removed = try registry.removeEphemeralNodes(lastSeenBefore: at(1_000), now: at(2_800))
        XCTAssertEqual(removed.map(\.name), ["ci-1"])
        XCTAssertEqual(removed.first?.id, gone.id)
        XCTAssertEqual(try registry.nodes().map(\.name), ["ci-2", "ci-3", "nas"])
        XCTAssertNotNil(try registry.node(id: edge.id))
        XCTAssertEqual(try registry.rawInt("SELECT COUNT(*) FROM node_servers"), 0)
        XCTAssertEqual(try registry.rawInt("SELECT COUNT(*) FROM netmap_versions"), 0)

        let action = try XCTUnwrap(registry.adminActions().last)
        XCTAssertEqual(action.action, "node.remove-ephemeral")
        XCTAssertEqual(action.actor, "coordinator")
        XCTAssertEqual(action.time, at(2_800))
        XCTAssertEqual(try action.decodedDetails()["nodes"], .list(["ci-1"]))
    }

    func testNothingToRemoveRecordsNothing() throws {
        let registry = try Registry.inMemory()
        let before = try registry.adminActions().count
        XCTAssertEqual(try registry.removeEphemeralNodes(lastSeenBefore: at(100), now: at(100)), [])
        XCTAssertEqual(try registry.adminActions().count, before)
    }
}
