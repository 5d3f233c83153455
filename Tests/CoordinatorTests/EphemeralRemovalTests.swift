import Foundation
import MeshCrypto
import MeshWire
import Registry
import XCTest
@testable import Coordinator

/// Ephemeral nodes disappear once they have been gone for the timeout: from the registry,
/// the live directory, and (through the announcement) every peer's netmap.
final class EphemeralRemovalTests: XCTestCase {
    func testEphemeralNodeGoneForThirtyMinutesIsRemovedAndAnnounced() async throws {
        let c = try InProcessCoordinator()
        let policy = #"{"tags": ["tag:laptop", "tag:nas"], "grants": [{"src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["files"]}]}"#
        _ = try await c.state.setPolicy(text: policy, file: "p.json", actor: "t")
        try await Nodes.register("nas-1", tags: ["tag:nas"], in: c.state, now: c.clock.now)
        // An ephemeral laptop joins with an ephemeral key.
        var rng = SystemRandom()
        let secret = rng.bytes(32)
        try c.state.registry.createJoinKey(NewJoinKey(id: "k-eph", secretHash: JoinKey.hash(secret: secret),
                                                      tags: ["tag:laptop"], ephemeral: true), actor: "t", now: c.clock.now)
        let laptop = try await c.state.registerNode(
            NodeRegistration(name: "laptop-eph", publicKey: IdentitySecretKey.generate().publicKey.text,
                             keyExpiry: c.clock.now.addingTimeInterval(86_400)),
            joinKeySecretHash: JoinKey.hash(secret: secret))
        XCTAssertTrue(laptop.ephemeral)
        var changes = await c.state.changes().makeAsyncIterator()

        // Seen 29 minutes ago: stays.
        c.clock.advance(by: 29 * 60)
        var removed = try await c.state.removeEphemeralNodes(lastSeenBefore: c.clock.now.addingTimeInterval(-30 * 60))
        XCTAssertEqual(removed, [])
        // Gone for more than 30 minutes: removed, and its peer is told.
        c.clock.advance(by: 2 * 60)
        removed = try await c.state.removeEphemeralNodes(lastSeenBefore: c.clock.now.addingTimeInterval(-30 * 60))
        XCTAssertEqual(removed.map(\.name), ["laptop-eph"])
        let change = await changes.next()
        XCTAssertEqual(change?.cause, .ephemeralRemoved(["laptop-eph"]))
        XCTAssertEqual(change?.affected, ["nas-1"])
        XCTAssertEqual(change?.removed.map(\.name), ["laptop-eph"])
        let snapshot = await c.state.snapshot()
        XCTAssertNil(snapshot.nodes["laptop-eph"])
        XCTAssertEqual(snapshot.policy.peers(of: "nas-1"), [])
        // The non-ephemeral node is never removed this way.
        c.clock.advance(by: 86_400)
        removed = try await c.state.removeEphemeralNodes(lastSeenBefore: c.clock.now)
        XCTAssertEqual(removed, [])
    }
}
