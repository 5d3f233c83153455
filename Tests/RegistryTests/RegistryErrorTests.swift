import Foundation
import XCTest
@testable import Registry

final class RegistryErrorTests: XCTestCase {
    func testMessagesReadAsOneSentenceNamingWhatAndWhere() {
        let cases: [(RegistryError, String)] = [
            (.cannotCreateDirectory(path: "/var/lib/x", reason: "Permission denied"),
             "cannot create the registry directory /var/lib/x: Permission denied"),
            (.schemaTooNew(path: "/s/r.sqlite", unknownMigrations: ["v2_a"]),
             "the registry database /s/r.sqlite was written by a newer mcpmesh-coordinator (unknown migrations: v2_a); run that version or newer"),
            (.storage(location: "registry at /s/r.sqlite", operation: "list nodes", reason: "disk I/O error"),
             "the registry at /s/r.sqlite could not list nodes: disk I/O error"),
            (.nodeNameTaken("nas"), "node name \"nas\" is already taken by another node"),
            (.publicKeyTaken(key: "mpk:00", node: "nas"), "node key mpk:00 is already registered to node \"nas\""),
            (.nodeNotFound(what: "id 7"), "no node with id 7 is registered"),
            (.nodeExpired(name: "nas", at: t0), "node \"nas\" expired at 2025-06-15T15:06:40Z and must join again"),
            (.joinKeyRefused(.unknown), "the join key is not known to this coordinator"),
            (.joinKeyRefused(.revoked(id: "abcd", at: t0)), "join key \"abcd\" was revoked at 2025-06-15T15:06:40Z"),
            (.joinKeyRefused(.expired(id: "abcd", at: t0)), "join key \"abcd\" expired at 2025-06-15T15:06:40Z"),
            (.joinKeyRefused(.alreadyUsed(id: "abcd", at: t0)),
             "join key \"abcd\" is single-use and was already used at 2025-06-15T15:06:40Z"),
            (.joinKeyRefused(.alreadyUsed(id: "abcd", at: nil)), "join key \"abcd\" is single-use and was already used"),
            (.policyVersionNotFound(9), "no policy version 9 is stored"),
            (.invalidNodeName("a\nb", reason: "only a-z, 0-9 and \"-\" are allowed"),
             "node name \"a\\nb\" is invalid: only a-z, 0-9 and \"-\" are allowed"),
        ]
        for (error, expected) in cases {
            XCTAssertEqual(error.description, expected)
            XCTAssertFalse(error.description.contains("\n"))
        }
    }

    func testUsingAClosedRegistryIsAnErrorNotACrash() throws {
        let registry = try Registry.inMemory()
        let copy = registry
        try registry.close()
        try registry.close()
        assertThrows(.storage(location: "in-memory registry", operation: "list nodes", reason: "it is closed")) {
            try copy.nodes()
        }
        assertThrows(.storage(location: "in-memory registry", operation: "store a new policy version",
                              reason: "it is closed")) {
            try registry.appendPolicy(text: "{}", author: "a", now: t0)
        }
    }
}
