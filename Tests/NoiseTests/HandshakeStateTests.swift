import XCTest
import MeshCrypto
@testable import Noise

final class HandshakeStateTests: XCTestCase {
    func testPatternModifiersPlacePSKTokens() {
        XCTAssertEqual(HandshakePattern.named("NNpsk0")?.messages.first?.first, .psk)
        XCTAssertEqual(HandshakePattern.named("IKpsk2")?.messages[1].last, .psk)
        XCTAssertEqual(HandshakePattern.named("XXpsk3")?.messages[2].last, .psk)
        XCTAssertNil(HandshakePattern.named("IKpsk3"), "IK has two messages")
        XCTAssertNil(HandshakePattern.named("IKpskx"))
        XCTAssertNil(HandshakePattern.named("QQ"))
    }

    func testProtocolNameRejectsOtherSuites() {
        XCTAssertThrowsError(try ProtocolName("Noise_IK_448_ChaChaPoly_BLAKE2b"))
        XCTAssertThrowsError(try ProtocolName("Noise_IK_25519_AESGCM_BLAKE2b"))
        XCTAssertThrowsError(try ProtocolName("Noise_IK_25519_ChaChaPoly_SHA256"))
        XCTAssertThrowsError(try ProtocolName("Noise_IK"))
    }

    private func pair() throws -> (HandshakeState, HandshakeState, StaticSecretKey, StaticSecretKey) {
        let a = IdentitySecretKey.generate().noiseStaticKey()
        let b = IdentitySecretKey.generate().noiseStaticKey()
        let i = try HandshakeState(protocolName: .mcpmesh, initiator: true, prologue: Array("p".utf8), s: a, rs: b.publicKey)
        let r = try HandshakeState(protocolName: .mcpmesh, initiator: false, prologue: Array("p".utf8), s: b)
        return (i, r, a, b)
    }

    func testIKRoundTripLearnsInitiatorAndAgreesOnKeys() throws {
        var (i, r, a, _) = try pair()
        let m1 = try i.writeMessage(payload: [1, 2, 3])
        XCTAssertEqual(m1.count, 32 + 48 + 3 + 16)
        XCTAssertEqual(try r.readMessage(m1), [1, 2, 3])
        XCTAssertEqual(r.remoteStatic, a.publicKey)
        let m2 = try r.writeMessage(payload: [])
        XCTAssertEqual(m2.count, 32 + 16)
        XCTAssertEqual(try i.readMessage(m2), [])
        XCTAssertTrue(i.isComplete && r.isComplete)
        XCTAssertEqual(i.handshakeHash, r.handshakeHash)
        var (is_, ir) = try i.split()
        var (rs, rr) = try r.split()
        XCTAssertEqual(try rs.decrypt(ad: [], ciphertext: try is_.encrypt(ad: [], plaintext: [9])), [9])
        XCTAssertEqual(try ir.decrypt(ad: [], ciphertext: try rr.encrypt(ad: [], plaintext: [8])), [8])
    }

    func testTamperedOrTruncatedMessagesAreRejected() throws {
        var (i, r0, _, _) = try pair()
        let m1 = try i.writeMessage(payload: [])
        for cut in [0, 31, 32, 79, 80, 95] {
            var r = r0
            XCTAssertThrowsError(try r.readMessage(Array(m1.prefix(cut))), "cut \(cut)")
        }
        for pos in [0, 40, 90] {
            var r = r0
            var bad = m1
            bad[pos] ^= 0x80
            XCTAssertThrowsError(try r.readMessage(bad), "flip \(pos)")
        }
        // The wrong prologue fails authentication.
        var other = try HandshakeState(protocolName: .mcpmesh, initiator: false, prologue: Array("q".utf8),
                                       s: try XCTUnwrap(Optional(IdentitySecretKey.generate().noiseStaticKey())))
        XCTAssertThrowsError(try other.readMessage(m1))
        _ = r0
    }

    func testLowOrderEphemeralIsRejected() throws {
        var (_, r, _, _) = try pair()
        // An all-zero point is of low order: the es DH yields zero and must be refused.
        let m = [UInt8](repeating: 0, count: 32 + 48 + 16)
        XCTAssertThrowsError(try r.readMessage(m)) { error in
            XCTAssertEqual(error as? NoiseError, .weakKey(message: 1))
        }
    }

    func testTurnOrderAndCompletionAreEnforced() throws {
        var (i, r, _, _) = try pair()
        XCTAssertThrowsError(try r.writeMessage(payload: []))
        XCTAssertThrowsError(try i.readMessage([]))
        XCTAssertThrowsError(try i.split())
        _ = try r.readMessage(try i.writeMessage(payload: []))
        _ = try i.readMessage(try r.writeMessage(payload: []))
        XCTAssertThrowsError(try i.writeMessage(payload: []))
    }

    func testMissingKeysAreReportedUpFront() {
        let s = IdentitySecretKey.generate().noiseStaticKey()
        XCTAssertThrowsError(try HandshakeState(protocolName: .mcpmesh, initiator: true, prologue: [], rs: s.publicKey)) { e in
            XCTAssertEqual(e as? NoiseError, .missingKey("this side's static key"))
        }
        XCTAssertThrowsError(try HandshakeState(protocolName: .mcpmesh, initiator: true, prologue: [], s: s)) { e in
            XCTAssertEqual(e as? NoiseError, .missingKey("the peer's static public key"))
        }
        XCTAssertThrowsError(try HandshakeState(protocolName: try! ProtocolName("Noise_NNpsk0_25519_ChaChaPoly_BLAKE2b"), initiator: true, prologue: []))
    }
}
