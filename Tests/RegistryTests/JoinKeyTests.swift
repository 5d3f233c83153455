import Foundation
import XCTest
@testable import Registry

final class JoinKeyTests: XCTestCase {
    func testCreateListAndLookUp() throws {
        let registry = try Registry.inMemory()
        let created = try registry.makeJoinKey(1, tags: ["tag:b", "tag:a", "tag:a"], reusable: true,
                                               ephemeral: true, expiresAt: at(day), now: at(5))
        try registry.makeJoinKey(2, now: at(6))
        XCTAssertEqual(created.id, "key-1")
        XCTAssertEqual(created.secretHash, secretHash(1))
        XCTAssertEqual(created.tags, ["tag:a", "tag:b"])
        XCTAssertTrue(created.reusable)
        XCTAssertTrue(created.ephemeral)
        XCTAssertEqual(created.expiresAt, at(day))
        XCTAssertEqual(created.createdAt, at(5))
        XCTAssertEqual(created.useCount, 0)
        XCTAssertNil(created.revokedAt)
        XCTAssertEqual(try registry.joinKey(id: "key-1"), created)
        XCTAssertEqual(try registry.joinKeys().map(\.id), ["key-1", "key-2"])
        XCTAssertNil(try registry.joinKey(id: "nope"))
    }

    func testSecretHashIsStoredLowercaseAndMatchedCaseInsensitively() throws {
        let registry = try Registry.inMemory()
        let upper = secretHash(1).uppercased()
        let key = try registry.createJoinKey(NewJoinKey(id: "abcd", secretHash: upper), actor: "admin", now: t0)
        XCTAssertEqual(key.secretHash, secretHash(1))
        let node = try registry.registerNode(
            NodeRegistration(name: "n", publicKey: nodeKey(1), keyExpiry: at(day)),
            joinKeySecretHash: upper, now: t0)
        XCTAssertEqual(node.joinKeyID, "abcd")
    }

    func testSingleUseKeyWorksOnce() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1)
        try registry.join("first", key: 1, joinKey: 1, now: at(10))
        assertThrows(.joinKeyRefused(.alreadyUsed(id: "key-1", at: at(10)))) {
            try registry.join("second", key: 2, joinKey: 1, now: at(20))
        }
        let key = try XCTUnwrap(registry.joinKey(id: "key-1"))
        XCTAssertEqual(key.useCount, 1)
        XCTAssertEqual(key.lastUsedAt, at(10))
        XCTAssertEqual(try registry.nodes().map(\.name), ["first"])
    }

    func testReusableKeyWorksManyTimes() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, tags: ["tag:nas"], reusable: true)
        for n in 1...5 {
            let node = try registry.join("node-\(n)", key: n, joinKey: 1, now: at(n))
            XCTAssertEqual(node.tags, ["tag:nas"])
        }
        let key = try XCTUnwrap(registry.joinKey(id: "key-1"))
        XCTAssertEqual(key.useCount, 5)
        XCTAssertEqual(key.lastUsedAt, at(5))
    }

    func testExpiredKeyIsRefused() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, reusable: true, expiresAt: at(100))
        XCTAssertEqual(try registry.join("early", key: 1, joinKey: 1, now: at(99)).name, "early")
        assertThrows(.joinKeyRefused(.expired(id: "key-1", at: at(100)))) {
            try registry.join("late", key: 2, joinKey: 1, now: at(100))
        }
        XCTAssertEqual(try registry.joinKey(id: "key-1")?.useCount, 1)
    }

    func testRevokedKeyIsRefusedAndRevocationIsReportedFirst() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, expiresAt: at(10))
        let revoked = try registry.revokeJoinKey(id: "key-1", actor: "admin", now: at(5))
        XCTAssertEqual(revoked.revokedAt, at(5))
        assertThrows(.joinKeyRefused(.revoked(id: "key-1", at: at(5)))) {
            try registry.join("n", key: 1, joinKey: 1, now: at(6))
        }
        // Also expired by now, but revocation is the reason given.
        assertThrows(.joinKeyRefused(.revoked(id: "key-1", at: at(5)))) {
            try registry.join("n", key: 1, joinKey: 1, now: at(60))
        }
        assertThrows(.joinKeyAlreadyRevoked(id: "key-1", at: at(5))) {
            try registry.revokeJoinKey(id: "key-1", actor: "admin", now: at(7))
        }
        assertThrows(.joinKeyNotFound(id: "key-9")) { try registry.revokeJoinKey(id: "key-9", actor: "admin", now: at(7)) }
    }

    func testRevokingKeepsNodesThatAlreadyJoined() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, reusable: true)
        try registry.join("n", key: 1, joinKey: 1)
        try registry.revokeJoinKey(id: "key-1", actor: "admin", now: at(1))
        XCTAssertEqual(try registry.node(named: "n")?.joinKeyID, "key-1")
    }

    func testUnknownKeyIsRefused() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1)
        assertThrows(.joinKeyRefused(.unknown)) { try registry.join("n", key: 1, joinKey: 2) }
    }

    func testEphemeralKeyMakesEphemeralNodes() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, ephemeral: true)
        XCTAssertTrue(try registry.join("ci-runner", key: 1, joinKey: 1).ephemeral)
    }

    func testRefusalAt() throws {
        let key = JoinKeyRecord(id: "k", secretHash: secretHash(1), tags: [], reusable: false, ephemeral: false,
                                expiresAt: at(10), revokedAt: nil, createdAt: t0, useCount: 0, lastUsedAt: nil)
        XCTAssertNil(key.refusal(at: at(9)))
        XCTAssertEqual(key.refusal(at: at(10)), .expired(id: "k", at: at(10)))
    }

    func testDuplicatesAndBadInputAreRefused() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1)
        assertThrows(.joinKeyIDTaken(id: "key-1")) {
            try registry.createJoinKey(NewJoinKey(id: "key-1", secretHash: secretHash(2)), actor: "a", now: t0)
        }
        assertThrows(.joinKeySecretTaken) {
            try registry.createJoinKey(NewJoinKey(id: "key-2", secretHash: secretHash(1)), actor: "a", now: t0)
        }
        assertThrows(.invalidJoinKeyID("K!", reason: "it must be 4 to 32 characters long")) {
            try registry.createJoinKey(NewJoinKey(id: "K!", secretHash: secretHash(3)), actor: "a", now: t0)
        }
        assertThrows(.invalidJoinKeyID("Key-3", reason: "only a-z, 0-9, \"-\" and \"_\" are allowed")) {
            try registry.createJoinKey(NewJoinKey(id: "Key-3", secretHash: secretHash(3)), actor: "a", now: t0)
        }
        assertThrows(.invalidTag("nas", reason: "expected it to start with \"tag:\"")) {
            try registry.createJoinKey(NewJoinKey(id: "key-3", secretHash: secretHash(3), tags: ["nas"]), actor: "a", now: t0)
        }
        assertThrows(.invalidSecretHash(reason: "only hex digits are allowed")) {
            try registry.createJoinKey(NewJoinKey(id: "key-3", secretHash: String(repeating: "g", count: 64)),
                                       actor: "a", now: t0)
        }
        XCTAssertEqual(try registry.joinKeys().count, 1)
    }

    func testRandomIDsAreValidAndDistinct() throws {
        var rng = SystemRandomNumberGenerator()
        var ids = Set<String>()
        for _ in 0..<200 {
            let id = JoinKeyRecord.randomID(using: &rng)
            XCTAssertEqual(id.count, 12)
            XCTAssertEqual(try InputValidation.joinKeyID(id), id)
            ids.insert(id)
        }
        XCTAssertEqual(ids.count, 200)
    }

    func testSingleUseRuleHoldsInTheDatabaseItself() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1)
        assertStorageError(containing: "CHECK constraint failed") {
            try registry.executeRawSQL("UPDATE join_keys SET use_count = 2 WHERE id = 'key-1'")
        }
    }
}
