import Foundation
import XCTest
@testable import Registry

/// A fixed instant all tests count from, so times are exact and independent of the clock.
let t0 = Date(timeIntervalSince1970: 1_750_000_000)

/// `t0` plus `seconds`.
func at(_ seconds: Int) -> Date { t0.addingTimeInterval(TimeInterval(seconds)) }

let day = 86_400

/// A well-formed node key distinct for each `n`.
func nodeKey(_ n: Int) -> String { "mpk:" + String(format: "%064x", n) }

/// A well-formed secret hash distinct for each `n`.
func secretHash(_ n: Int) -> String { String(format: "%064x", 0xABC0_0000 + n) }

/// Asserts that `body` throws exactly `expected`.
func assertThrows<T>(_ expected: RegistryError, file: StaticString = #filePath, line: UInt = #line,
                     _ body: () throws -> T) {
    do {
        let value = try body()
        XCTFail("expected \(expected), got \(value)", file: file, line: line)
    } catch let error as RegistryError {
        XCTAssertEqual(error, expected, file: file, line: line)
    } catch {
        XCTFail("expected \(expected), got a \(type(of: error)): \(error)", file: file, line: line)
    }
}

/// Asserts that `body` throws a `.storage` error (a constraint or trigger refused it).
func assertStorageError<T>(file: StaticString = #filePath, line: UInt = #line,
                           containing fragment: String, _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected a storage error containing \(fragment)", file: file, line: line)
    } catch {
        XCTAssertTrue("\(error)".contains(fragment), "\(error)", file: file, line: line)
    }
}

extension Registry {
    /// Creates a join key numbered `n` (id "key-n", secret hash `secretHash(n)`).
    @discardableResult
    func makeJoinKey(_ n: Int, tags: [String] = [], reusable: Bool = false, ephemeral: Bool = false,
                     expiresAt: Date? = nil, now: Date = t0) throws(RegistryError) -> JoinKeyRecord {
        try createJoinKey(NewJoinKey(id: "key-\(n)", secretHash: secretHash(n), tags: tags,
                                     reusable: reusable, ephemeral: ephemeral, expiresAt: expiresAt),
                          actor: "admin", now: now)
    }

    /// Registers node `name` with key number `keyN` using join key number `joinKey`.
    @discardableResult
    func join(_ name: String, key keyN: Int, joinKey: Int, servers: [String] = [],
              endpoints: [String] = [], conflict: NodeRegistration.NameConflict = .refuse,
              now: Date = t0) throws(RegistryError) -> RegisteredNode {
        try registerNode(
            NodeRegistration(name: name, publicKey: nodeKey(keyN), servers: servers, endpoints: endpoints,
                             keyExpiry: now.addingTimeInterval(TimeInterval(180 * day)), nameConflict: conflict),
            joinKeySecretHash: secretHash(joinKey), now: now)
    }

    /// A raw SQL scalar as an integer.
    func rawInt(_ sql: String) throws -> Int64? {
        try rawScalar(sql).flatMap { Int64($0) }
    }
}
