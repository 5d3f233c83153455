import XCTest
import MeshCrypto
@testable import MeshWire

final class ControlEncodingTests: XCTestCase {
    func testJoinKeyRoundTripAndErrors() throws {
        var rng = SystemRandom()
        let coordinator = IdentitySecretKey.generate()
        let key = JoinKey.generate(coordinatorKey: coordinator.publicKey, address: "vps.example.net:41641", using: &rng)
        let text = key.text
        XCTAssertTrue(text.hasPrefix("mcpmesh-join-"))
        XCTAssertFalse(text.contains("="))
        XCTAssertEqual(try JoinKey(text: text), key)
        XCTAssertEqual(try JoinKey(text: "  \(text)\n"), key, "whitespace from a paste is ignored")
        XCTAssertFalse(key.description.contains(Hex.encode(key.secret)))
        XCTAssertEqual(key.secretHash.count, 64)

        XCTAssertThrowsError(try JoinKey(text: "join-" + text)) { XCTAssertEqual($0 as? JoinKey.ParseError, .missingPrefix) }
        XCTAssertThrowsError(try JoinKey(text: String(text.dropLast(10)))) { e in
            XCTAssertEqual(e as? JoinKey.ParseError, .badChecksum, "a cut key fails its checksum")
        }
        // Every single-character change is caught.
        let chars = Array(text)
        for i in JoinKey.prefix.count..<chars.count {
            var c = chars
            c[i] = c[i] == "A" ? "B" : "A"
            XCTAssertThrowsError(try JoinKey(text: String(c)), "position \(i)")
        }
        XCTAssertThrowsError(try JoinKey(text: JoinKey.prefix + "!!!")) { XCTAssertEqual($0 as? JoinKey.ParseError, .notBase64) }
        XCTAssertThrowsError(try JoinKey(text: JoinKey.prefix + "AAAA")) { XCTAssertEqual($0 as? JoinKey.ParseError, .tooShort(3)) }
        // IPv6 and names.
        for addr in ["[::1]:7000", "127.0.0.1:1", "coordinator.lan:65535"] {
            let k = JoinKey(coordinatorKey: coordinator.publicKey, coordinatorAddress: addr, secret: rng.bytes(32))
            XCTAssertEqual(try JoinKey(text: k.text).coordinatorAddress, addr)
        }
    }

    func testHostPortParsing() {
        XCTAssertEqual(HostPort("127.0.0.1:80")?.port, 80)
        XCTAssertEqual(HostPort("[::1]:443")?.host, "::1")
        XCTAssertEqual(HostPort("[::1]:443")?.description, "[::1]:443")
        for bad in ["", "host", "host:", ":80", "host:0", "host:65536", "::1:80", "[::1]80", "[::1]:x"] {
            XCTAssertNil(HostPort(bad), bad)
        }
    }

    func testSignedEnvelope() throws {
        let signer = IdentitySecretKey.generate()
        let other = IdentitySecretKey.generate()
        let payload = Array("{\"version\":3}".utf8)
        let env = SignedEnvelope.seal(payload, context: .netmap, signer: signer)
        let bytes = env.encoded
        XCTAssertEqual(bytes.count, 1 + 64 + payload.count)
        XCTAssertEqual(try SignedEnvelope.open(bytes, context: .netmap, signer: signer.publicKey), payload)
        XCTAssertThrowsError(try SignedEnvelope.open(bytes, context: .netmap, signer: other.publicKey))
        XCTAssertThrowsError(try SignedEnvelope.open(bytes, context: .keyRotation, signer: signer.publicKey),
                             "a netmap signature is not a key-rotation signature")
        for i in 0..<bytes.count {
            var b = bytes; b[i] ^= 1
            XCTAssertThrowsError(try SignedEnvelope.open(b, context: .netmap, signer: signer.publicKey), "byte \(i)")
        }
        XCTAssertThrowsError(try SignedEnvelope.open(Array(bytes.prefix(64)), context: .netmap, signer: signer.publicKey)) {
            XCTAssertEqual($0 as? SignedEnvelope.OpenError, .tooShort(64))
        }
    }
}
