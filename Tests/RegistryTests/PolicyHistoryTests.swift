import Foundation
import XCTest
@testable import Registry

final class PolicyHistoryTests: XCTestCase {
    func testAppendCurrentHistoryAndLookup() throws {
        let registry = try Registry.inMemory()
        XCTAssertNil(try registry.currentPolicy())
        XCTAssertEqual(try registry.policyHistory(), [])
        let first = try registry.appendPolicy(text: "{ // one\n}", author: "alice", now: at(1))
        let second = try registry.appendPolicy(text: "{ \"tags\": [\"tag:nas\"], }", author: "bob", now: at(2))
        XCTAssertEqual(first.version, 1)
        XCTAssertEqual(second.version, 2)
        XCTAssertEqual(first.text, "{ // one\n}")
        XCTAssertEqual(first.author, "alice")
        XCTAssertEqual(first.createdAt, at(1))
        XCTAssertNil(first.rolledBackFrom)
        XCTAssertEqual(try registry.currentPolicy(), second)
        XCTAssertEqual(try registry.policyHistory().map(\.version), [2, 1])
        XCTAssertEqual(try registry.policy(version: 1), first)
        XCTAssertNil(try registry.policy(version: 3))
    }

    func testRollbackAppendsTheOlderTextAsANewVersion() throws {
        let registry = try Registry.inMemory()
        try registry.appendPolicy(text: "v1", author: "alice", now: at(1))
        try registry.appendPolicy(text: "v2", author: "alice", now: at(2))
        try registry.appendPolicy(text: "v3", author: "alice", now: at(3))
        let rolled = try registry.rollbackPolicy(to: 1, author: "bob", now: at(4))
        XCTAssertEqual(rolled.version, 4)
        XCTAssertEqual(rolled.text, "v1")
        XCTAssertEqual(rolled.rolledBackFrom, 1)
        XCTAssertEqual(rolled.author, "bob")
        XCTAssertEqual(try registry.currentPolicy(), rolled)
        XCTAssertEqual(try registry.policyHistory().map(\.text), ["v1", "v3", "v2", "v1"])

        assertThrows(.policyAlreadyCurrent(4)) { try registry.rollbackPolicy(to: 4, author: "bob", now: at(5)) }
        assertThrows(.policyVersionNotFound(9)) { try registry.rollbackPolicy(to: 9, author: "bob", now: at(5)) }
        XCTAssertEqual(try registry.rollbackPolicy(to: 3, author: "bob", now: at(6)).version, 5)

        let actions = try registry.adminActions().filter { $0.action.hasPrefix("policy.") }
        XCTAssertEqual(actions.map(\.action), ["policy.set", "policy.set", "policy.set", "policy.rollback", "policy.rollback"])
        XCTAssertEqual(try actions[3].decodedDetails(), ["version": 4, "restored": 1])
    }

    func testHistoryIsAppendOnlyInTheDatabaseItself() throws {
        let registry = try Registry.inMemory()
        try registry.appendPolicy(text: "v1", author: "alice", now: at(1))
        assertStorageError(containing: "policy history is append-only") {
            try registry.executeRawSQL("UPDATE policy_versions SET text = 'x'")
        }
        assertStorageError(containing: "policy history is append-only") {
            try registry.executeRawSQL("DELETE FROM policy_versions")
        }
        XCTAssertEqual(try registry.currentPolicy()?.text, "v1")
    }
}
