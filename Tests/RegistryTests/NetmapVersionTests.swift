import Foundation
import XCTest
@testable import Registry

final class NetmapVersionTests: XCTestCase {
    func testVersionsAreMonotonicPerNode() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, reusable: true)
        let a = try registry.join("a", key: 1, joinKey: 1)
        let b = try registry.join("b", key: 2, joinKey: 1)
        XCTAssertEqual(try registry.netmapVersion(for: a.id), 0)
        XCTAssertEqual(try registry.nextNetmapVersion(for: a.id), 1)
        XCTAssertEqual(try registry.nextNetmapVersion(for: a.id), 2)
        XCTAssertEqual(try registry.nextNetmapVersion(for: b.id), 1)
        XCTAssertEqual(try registry.netmapVersion(for: a.id), 2)
        XCTAssertEqual(try registry.nextNetmapVersions(for: [a.id, b.id, a.id]), [a.id: 3, b.id: 2])
        XCTAssertEqual(try registry.netmapVersion(for: b.id), 2)
    }

    func testUnknownNodeTakesNoVersionAtAll() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1)
        let a = try registry.join("a", key: 1, joinKey: 1)
        let ghost = RegisteredNode.ID(rawValue: 42)
        assertThrows(.nodeNotFound(what: "id 42")) { try registry.nextNetmapVersions(for: [a.id, ghost]) }
        XCTAssertEqual(try registry.netmapVersion(for: a.id), 0)
    }

    func testVersionsCannotGoBackwardsInTheDatabaseItself() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1)
        let a = try registry.join("a", key: 1, joinKey: 1)
        _ = try registry.nextNetmapVersions(for: [a.id, a.id])
        _ = try registry.nextNetmapVersion(for: a.id)
        assertStorageError(containing: "netmap versions only increase") {
            try registry.executeRawSQL("UPDATE netmap_versions SET version = 1")
        }
    }
}
