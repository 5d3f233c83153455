import Foundation
import XCTest
@testable import Registry

final class NodeRegistrationTests: XCTestCase {
    func testRegisterStoresEverythingAndFindsByKeyNameAndID() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, tags: ["tag:nas", "tag:home"], reusable: true)
        let node = try registry.join("nas", key: 1, joinKey: 1, servers: ["git", "files", "files"],
                                     endpoints: ["192.168.1.5:41641", "[fd00::5]:41641"], now: at(10))

        XCTAssertEqual(node.name, "nas")
        XCTAssertEqual(node.publicKey, nodeKey(1))
        XCTAssertEqual(node.tags, ["tag:home", "tag:nas"])
        XCTAssertEqual(node.servers, ["files", "git"])
        XCTAssertEqual(node.lastEndpoints, ["192.168.1.5:41641", "[fd00::5]:41641"])
        XCTAssertEqual(node.createdAt, at(10))
        XCTAssertEqual(node.lastSeenAt, at(10))
        XCTAssertEqual(node.keyExpiry, at(10 + 180 * day))
        XCTAssertFalse(node.ephemeral)
        XCTAssertFalse(node.adminExpired)
        XCTAssertEqual(node.joinKeyID, "key-1")

        XCTAssertEqual(try registry.node(id: node.id), node)
        XCTAssertEqual(try registry.node(named: "nas"), node)
        XCTAssertEqual(try registry.node(publicKey: nodeKey(1)), node)
        XCTAssertEqual(try registry.node(publicKey: nodeKey(1).uppercased().replacingOccurrences(of: "MPK:", with: "mpk:")), node)
        XCTAssertNil(try registry.node(named: "other"))
        XCTAssertNil(try registry.node(id: RegisteredNode.ID(rawValue: 999)))
        XCTAssertNil(try registry.node(publicKey: nodeKey(2)))
    }

    func testListNodesSortedByNameWithTagsAndServers() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, tags: ["tag:laptop"], reusable: true)
        try registry.makeJoinKey(2, tags: ["tag:gpu"], reusable: true)
        try registry.join("zeta", key: 1, joinKey: 1, servers: ["a"])
        try registry.join("alpha", key: 2, joinKey: 2, servers: ["b", "c"])
        try registry.join("mid", key: 3, joinKey: 1)

        let nodes = try registry.nodes()
        XCTAssertEqual(nodes.map(\.name), ["alpha", "mid", "zeta"])
        XCTAssertEqual(nodes.map(\.tags), [["tag:gpu"], ["tag:laptop"], ["tag:laptop"]])
        XCTAssertEqual(nodes.map(\.servers), [["b", "c"], [], ["a"]])
        XCTAssertEqual(try registry.nodes(withTag: "tag:laptop").map(\.name), ["mid", "zeta"])
        XCTAssertEqual(try registry.nodes(withTag: "tag:none"), [])
    }

    func testNodeIDsAreNeverReused() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, reusable: true)
        let first = try registry.join("a", key: 1, joinKey: 1)
        try registry.removeNode(first.id, actor: "admin", now: at(1))
        let second = try registry.join("a", key: 1, joinKey: 1, now: at(2))
        XCTAssertGreaterThan(second.id, first.id)
    }

    func testDuplicateKeyIsRefusedAndLeavesJoinKeyUnused() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, reusable: true)
        try registry.makeJoinKey(2)
        try registry.join("nas", key: 1, joinKey: 1)
        assertThrows(.publicKeyTaken(key: nodeKey(1), node: "nas")) {
            try registry.join("other", key: 1, joinKey: 2)
        }
        XCTAssertEqual(try registry.joinKey(id: "key-2")?.useCount, 0)
        XCTAssertNil(try registry.joinKey(id: "key-2")?.lastUsedAt)
        XCTAssertEqual(try registry.nodes().count, 1)
        // The single-use key still works after the refused attempt.
        XCTAssertEqual(try registry.join("other", key: 2, joinKey: 2).name, "other")
    }

    func testNameTakenIsRefusedOrNumbered() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, reusable: true)
        try registry.join("nas", key: 1, joinKey: 1)
        assertThrows(.nodeNameTaken("nas")) { try registry.join("nas", key: 2, joinKey: 1, conflict: .refuse) }
        XCTAssertEqual(try registry.join("nas", key: 2, joinKey: 1, conflict: .appendNumber).name, "nas-1")
        XCTAssertEqual(try registry.join("nas", key: 3, joinKey: 1, conflict: .appendNumber).name, "nas-2")
        let long = String(repeating: "x", count: 63)
        try registry.join(long, key: 4, joinKey: 1)
        let numbered = try registry.join(long, key: 5, joinKey: 1, conflict: .appendNumber).name
        XCTAssertEqual(numbered, String(repeating: "x", count: 61) + "-1")
        XCTAssertEqual(try registry.joinKey(id: "key-1")?.useCount, 5)
    }

    func testBadInputIsRefusedBeforeTouchingTheDatabase() throws {
        let registry = try Registry.inMemory()
        try registry.makeJoinKey(1, reusable: true)
        func register(name: String = "ok", key: String = nodeKey(1), servers: [String] = [],
                      endpoints: [String] = [], hash: String = secretHash(1)) throws(RegistryError) -> RegisteredNode {
            try registry.registerNode(NodeRegistration(name: name, publicKey: key, servers: servers,
                                                       endpoints: endpoints, keyExpiry: at(day)),
                                      joinKeySecretHash: hash, now: t0)
        }
        assertThrows(.invalidNodeName("Bad_Name", reason: "only a-z, 0-9 and \"-\" are allowed")) {
            try register(name: "Bad_Name")
        }
        assertThrows(.invalidPublicKey("ed25519:abc", reason: "expected it to start with \"mpk:\"")) {
            try register(key: "ed25519:abc")
        }
        assertThrows(.invalidServerName("fi/les", reason: "only A-Z, a-z, 0-9, \"-\", \"_\" and \".\" are allowed")) {
            try register(servers: ["fi/les"])
        }
        assertThrows(.invalidEndpoint("host", reason: "expected host:port")) { try register(endpoints: ["host"]) }
        assertThrows(.invalidSecretHash(reason: "expected 64 or 128 hex digits, got 3 characters")) {
            try register(hash: "abc")
        }
        XCTAssertEqual(try registry.nodes(), [])
        XCTAssertEqual(try registry.joinKey(id: "key-1")?.useCount, 0)
    }

    func testSuggestedNameFromHostname() {
        XCTAssertEqual(RegisteredNode.suggestedName(fromHostname: "Alice's MacBook Pro.local"), "alice-s-macbook-pro-local")
        XCTAssertEqual(RegisteredNode.suggestedName(fromHostname: "--nas--"), "nas")
        XCTAssertEqual(RegisteredNode.suggestedName(fromHostname: "ÄÖÜ"), "node")
        XCTAssertEqual(RegisteredNode.suggestedName(fromHostname: String(repeating: "a", count: 80)).count, 63)
    }
}
