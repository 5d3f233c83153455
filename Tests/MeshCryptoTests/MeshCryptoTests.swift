import XCTest
@testable import MeshCrypto

final class MeshCryptoTests: XCTestCase {
    // RFC 7748 §6.1.
    func testX25519MatchesRFC7748() throws {
        let a = try StaticSecretKey(bytes: Hex.decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")!)
        let b = try StaticSecretKey(bytes: Hex.decode("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")!)
        XCTAssertEqual(a.publicKey.raw.hex, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        XCTAssertEqual(b.publicKey.raw.hex, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        let k1 = try a.sharedSecret(with: b.publicKey.raw)
        let k2 = try b.sharedSecret(with: a.publicKey.raw)
        XCTAssertTrue(k1.constantTimeEquals(k2))
        XCTAssertEqual(k1.withUnsafeBytes { Hex.encode($0) }, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
    }

    func testX25519RejectsAllZeroSharedSecret() throws {
        let a = try StaticSecretKey(bytes: [UInt8](repeating: 7, count: 32))
        XCTAssertThrowsError(try a.sharedSecret(with: .zero)) { XCTAssertEqual($0 as? CryptoError, .weakSharedSecret) }
        // The order-8 point 0x01 (u = 1) also yields zero.
        var one = [UInt8](repeating: 0, count: 32); one[0] = 1
        XCTAssertThrowsError(try a.sharedSecret(with: Bytes32(one)!))
    }

    // Round trip, in-place equivalence, and every way a ciphertext must fail to open.
    func testChaChaPolySealOpenAndTamper() throws {
        var rng = SystemRandom()
        let key = SymmetricKey.generate(using: &rng)
        let pt = Array("Ladies and Gentlemen of the class of '99".utf8)
        let ct = ChaChaPoly.seal(key: key, counter: 5, ad: [1, 2], plaintext: pt)
        XCTAssertEqual(ct.count, pt.count + 16)
        XCTAssertEqual(try ChaChaPoly.open(key: key, counter: 5, ad: [1, 2], ciphertext: ct), pt)
        XCTAssertThrowsError(try ChaChaPoly.open(key: key, counter: 6, ad: [1, 2], ciphertext: ct))
        XCTAssertThrowsError(try ChaChaPoly.open(key: key, counter: 5, ad: [1, 3], ciphertext: ct))
        var bad = ct; bad[3] ^= 1
        XCTAssertThrowsError(try ChaChaPoly.open(key: key, counter: 5, ad: [1, 2], ciphertext: bad))
        XCTAssertThrowsError(try ChaChaPoly.open(key: key, counter: 5, ad: [], ciphertext: [1, 2, 3]))
        // In place gives the same bytes and restores the plaintext.
        var buf = pt + [UInt8](repeating: 0, count: 16)
        buf.withUnsafeMutableBytes { b in
            [UInt8]([1, 2]).withUnsafeBytes { ad in ChaChaPoly.sealInPlace(key: key, counter: 5, ad: ad, buffer: b, plaintextCount: pt.count) }
        }
        XCTAssertEqual(buf, ct)
        let ok = buf.withUnsafeMutableBytes { b in [UInt8]([1, 2]).withUnsafeBytes { ad in ChaChaPoly.openInPlace(key: key, counter: 5, ad: ad, buffer: b) } }
        XCTAssertTrue(ok)
        XCTAssertEqual(Array(buf.prefix(pt.count)), pt)
    }

    // Known answer with the Noise nonce layout (4 zero bytes || LE64 counter), computed
    // independently with Python cryptography's ChaCha20Poly1305 (RFC 8439 key and AD).
    func testChaChaPolyKnownAnswer() throws {
        let key = try SymmetricKey(bytes: Hex.decode("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")!)
        let ct = ChaChaPoly.seal(key: key, counter: 0x0706050403020100, ad: Hex.decode("50515253c0c1c2c3c4c5c6c7")!,
                                 plaintext: Array("Ladies".utf8))
        XCTAssertEqual(Hex.encode(ct), "44436f98c070f7ade4fe8b37c638ecf9dac2d1c34d2b")
    }

    // BLAKE2b-512("abc"), RFC 7693 Appendix A.
    func testBlake2bKnownAnswer() {
        XCTAssertEqual(Hex.encode(Blake2b.hash(Array("abc".utf8))),
                       "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
    }

    // HMAC-BLAKE2b-512 against Python's hmac module with hashlib.blake2b.
    func testHMACAndHKDFMatchRFC2104Construction() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        let mac = key.withUnsafeBytes { Blake2b.hmac(key: $0, data: [Array("Hi There".utf8)]) }
        XCTAssertEqual(mac.withUnsafeBytes { Hex.encode($0) }, HMACVectors.hiThere)
        let long = [UInt8](repeating: 0xaa, count: 131)
        let mac2 = long.withUnsafeBytes { Blake2b.hmac(key: $0, data: [Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)]) }
        XCTAssertEqual(mac2.withUnsafeBytes { Hex.encode($0) }, HMACVectors.longKey)
        // HKDF outputs chain as the Noise spec says: o2 = HMAC(temp, o1 || 0x02).
        let ck = SecretBytes([UInt8](repeating: 1, count: 64))
        let out = [UInt8]([5, 6]).withUnsafeBytes { Blake2b.hkdf(chainingKey: ck, inputKeyMaterial: $0, outputs: 3) }
        let temp = ck.withUnsafeBytes { Blake2b.hmac(key: $0, data: [[5, 6]]) }
        let o1 = temp.withUnsafeBytes { Blake2b.hmac(key: $0, data: [[1]]) }
        let o2 = temp.withUnsafeBytes { t in o1.withUnsafeBytes { Blake2b.hmac(key: t, data: [Array($0), [2]]) } }
        XCTAssertTrue(out[0].constantTimeEquals(o1))
        XCTAssertTrue(out[1].constantTimeEquals(o2))
        XCTAssertEqual(out.count, 3)
    }

    func testEd25519SignVerifyAndConversion() throws {
        // RFC 8032 §7.1 test 1.
        let seed = SecretBytes(Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!)
        let id = try IdentitySecretKey(seed: seed)
        XCTAssertEqual(id.publicKey.raw.hex, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let sig = id.sign([])
        XCTAssertEqual(Hex.encode(sig.raw), "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        XCTAssertTrue(id.publicKey.verify(sig, over: []))
        XCTAssertFalse(id.publicKey.verify(sig, over: [0]))
        // The X25519 forms agree: DH between two identities works both ways.
        let other = IdentitySecretKey.generate()
        let s1 = try id.noiseStaticKey().sharedSecret(with: try other.publicKey.noiseStaticKey().raw)
        let s2 = try other.noiseStaticKey().sharedSecret(with: try id.publicKey.noiseStaticKey().raw)
        XCTAssertTrue(s1.constantTimeEquals(s2))
        XCTAssertEqual(id.noiseStaticKey().publicKey, try id.publicKey.noiseStaticKey())
        // The seed round-trips.
        XCTAssertEqual(try IdentitySecretKey(seed: id.seed).publicKey, id.publicKey)
    }

    func testPublicKeyTextForm() throws {
        let id = IdentitySecretKey.generate()
        let text = id.publicKey.text
        XCTAssertTrue(text.hasPrefix("mpk:"))
        XCTAssertEqual(text.count, 68)
        XCTAssertEqual(try IdentityPublicKey(text: text), id.publicKey)
        XCTAssertEqual(try IdentityPublicKey(text: text.uppercased().replacingOccurrences(of: "MPK:", with: "mpk:")), id.publicKey)
        XCTAssertThrowsError(try IdentityPublicKey(text: String(text.dropFirst(4))))
        XCTAssertThrowsError(try IdentityPublicKey(text: text + "0"))
        XCTAssertThrowsError(try IdentityPublicKey(text: "mpk:" + String(repeating: "g", count: 64)))
    }

    func testSecretsNeverPrint() {
        let id = IdentitySecretKey.generate()
        let strings = ["\(id)", "\(id.noiseStaticKey())", "\(id.seed)", String(reflecting: id.seed),
                       "\(SymmetricKey(secret: SecretBytes([UInt8](repeating: 0x41, count: 32))))"]
        let seedHex = id.seed.withUnsafeBytes { Hex.encode($0) }
        for s in strings {
            XCTAssertFalse(s.contains(seedHex), s)
            XCTAssertFalse(s.contains("4141414141"), s)
        }
    }

    func testConstantTimeEqualsAndHex() {
        XCTAssertTrue(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(ConstantTime.equals([1, 2], [1, 2, 3]))
        XCTAssertTrue(ConstantTime.equals([], []))
        XCTAssertEqual(Hex.decode("00ffAb"), [0, 255, 0xab])
        XCTAssertNil(Hex.decode("0"))
        XCTAssertNil(Hex.decode("0x"))
    }

    func testXChaChaPolyRoundTrip() throws {
        var rng = SystemRandom()
        let key = SymmetricKey.generate(using: &rng)
        let nonce = rng.bytes(24)
        let ct = XChaChaPoly.seal(key: key, nonce: nonce, ad: [9], plaintext: [1, 2, 3])
        XCTAssertEqual(try XChaChaPoly.open(key: key, nonce: nonce, ad: [9], ciphertext: ct), [1, 2, 3])
        XCTAssertThrowsError(try XChaChaPoly.open(key: key, nonce: nonce, ad: [8], ciphertext: ct))
    }
}
