import XCTest
@testable import Registry

final class InputValidationTests: XCTestCase {
    func testNodeNames() {
        for good in ["a", "nas-1", "0", String(repeating: "z", count: 63)] {
            XCTAssertNoThrow(try InputValidation.nodeName(good), good)
        }
        for bad in ["", "-a", "a-", "A", "a.b", "a b", String(repeating: "z", count: 64), "é"] {
            XCTAssertThrowsError(try InputValidation.nodeName(bad), bad)
        }
    }

    func testPublicKeysAreCanonicalLowercase() throws {
        let hex = String(repeating: "Ab", count: 32)
        XCTAssertEqual(try InputValidation.publicKey("mpk:" + hex), "mpk:" + hex.lowercased())
        for bad in ["", "mpk:", "MPK:" + hex.lowercased(), "mpk:" + String(hex.dropLast()), "mpk:" + hex + "0",
                    "mpk:" + String(repeating: "g", count: 64)] {
            XCTAssertThrowsError(try InputValidation.publicKey(bad), bad)
        }
    }

    func testTagsAreDeduplicatedAndSorted() throws {
        XCTAssertEqual(try InputValidation.tags(["tag:b", "tag:a", "tag:b"]), ["tag:a", "tag:b"])
        for bad in ["tag:", "nas", "tag:a b", "tag:" + String(repeating: "x", count: 65), "group:x"] {
            XCTAssertThrowsError(try InputValidation.tag(bad), bad)
        }
        XCTAssertNoThrow(try InputValidation.tag("tag:My_Tag.v2-x"))
    }

    func testServerNames() throws {
        XCTAssertEqual(try InputValidation.serverNames(["git", "files", "git"]), ["files", "git"])
        for bad in ["", "a/b", "git:read", "*", "a b", String(repeating: "s", count: 65)] {
            XCTAssertThrowsError(try InputValidation.serverName(bad), bad)
        }
    }

    func testEndpoints() throws {
        for good in ["1.2.3.4:1", "host.example:65535", "[::1]:41641", "[fe80::1%eth0]:9"] {
            XCTAssertEqual(try InputValidation.endpoint(good), good)
        }
        for bad in ["", "host", ":80", "host:", "host:0", "host:65536", "host:8a", "::1:80", "a b:1", "h/x:1",
                    "host:000080"] {
            XCTAssertThrowsError(try InputValidation.endpoint(bad), bad)
        }
        XCTAssertEqual(try InputValidation.endpoints(["a:1", "b:2", "a:1"]), ["a:1", "b:2"])
    }

    func testSecretHashes() throws {
        XCTAssertEqual(try InputValidation.secretHash(String(repeating: "AB", count: 32)), String(repeating: "ab", count: 32))
        XCTAssertNoThrow(try InputValidation.secretHash(String(repeating: "0", count: 128)))
        for bad in ["", String(repeating: "0", count: 63), String(repeating: "0", count: 96), String(repeating: "x", count: 64)] {
            XCTAssertThrowsError(try InputValidation.secretHash(bad), bad)
        }
    }
}
