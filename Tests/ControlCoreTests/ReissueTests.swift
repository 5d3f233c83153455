import XCTest
import MeshWire
@testable import ControlCore

/// Netmaps are re-signed before they expire, and versions never go backwards.
final class ReissueTests: XCTestCase {
    func testNeedsReissueBeforeExpiry() throws {
        var builder = try Fixtures.builder()
        let live = Set(builder.liveNodeIDs)
        XCTAssertEqual(builder.needsReissue(now: Fixtures.t0), live, "never issued: due now")
        for id in live { _ = try builder.build(for: id, now: Fixtures.t0) }
        XCTAssertEqual(builder.needsReissue(now: Fixtures.t0 + .seconds(11 * 3600)), [])
        XCTAssertEqual(builder.needsReissue(now: Fixtures.t0 + .seconds(12 * 3600)), live, "12 h before expiry")
        _ = try builder.build(for: Fixtures.id(1), now: Fixtures.t0 + .seconds(12 * 3600))
        XCTAssertEqual(builder.needsReissue(now: Fixtures.t0 + .seconds(12 * 3600)), live.subtracting([Fixtures.id(1)]))
        XCTAssertEqual(builder.expiry(of: Fixtures.id(1)), Fixtures.t0 + .seconds(36 * 3600))
        _ = try builder.nodeExpired(Fixtures.id(2))
        XCTAssertFalse(builder.needsReissue(now: Fixtures.t0 + Fixtures.day).contains(Fixtures.id(2)), "expired nodes get none")
    }

    func testVersionsAreSeededAndMonotonic() throws {
        var builder = try NetmapBuilder(coordinator: Fixtures.coordinator, configuration: Fixtures.configuration,
                                        policy: Fixtures.policy(), policyVersion: 1, nodes: Fixtures.nodes,
                                        versions: [Fixtures.id(3): 41])
        XCTAssertEqual(try builder.build(for: Fixtures.id(3), now: Fixtures.t0).netmap.version, 42)
        XCTAssertEqual(try builder.build(for: Fixtures.id(1), now: Fixtures.t0).netmap.version, 1)
        XCTAssertEqual(try builder.build(for: Fixtures.id(3), now: Fixtures.t0, version: 50).netmap.version, 50)
        XCTAssertThrowsError(try builder.build(for: Fixtures.id(3), now: Fixtures.t0, version: 50)) {
            XCTAssertEqual($0 as? ControlError, .versionNotIncreasing(Fixtures.id(3), version: 50, last: 50))
        }
        builder.seedVersion(10, for: Fixtures.id(3))
        XCTAssertEqual(builder.lastVersion(of: Fixtures.id(3)), 50, "seeding never lowers a version")
        builder.seedVersion(60, for: Fixtures.id(3))
        XCTAssertEqual(try builder.build(for: Fixtures.id(3), now: Fixtures.t0).netmap.version, 61)
    }
}
