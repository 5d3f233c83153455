import XCTest
import MeshCrypto
import MeshWire
@testable import ControlCore

/// The node side refuses every netmap it should, each with its own reason.
final class NetmapAcceptorTests: XCTestCase {
    private let nas = Fixtures.id(3)
    private var builder: NetmapBuilder!
    private var acceptor: NetmapAcceptor!

    override func setUpWithError() throws {
        builder = try Fixtures.builder()
        acceptor = NetmapAcceptor(coordinatorKey: Fixtures.coordinator.publicKey, nodeKey: Fixtures.identity(3).publicKey)
    }

    private func issue(at now: Netmap.Time = Fixtures.t0) throws -> SignedNetmap {
        try builder.build(for: nas, now: now)
    }

    /// Signs `payload` as a netmap with `signer`.
    private func sign(_ payload: [UInt8], by signer: IdentitySecretKey = Fixtures.coordinator) -> [UInt8] {
        SignedEnvelope.seal(payload, context: .netmap, signer: signer).encoded
    }

    private func refusal(_ bytes: [UInt8], at now: Netmap.Time = Fixtures.t0 + .seconds(1)) -> ControlError? {
        guard case .failure(let error) = acceptor.accept(bytes, now: now) else { return nil }
        return error
    }

    func testAcceptsAGoodNetmapAndKeepsItsExactBytes() throws {
        let signed = try issue()
        guard case .success(let accepted) = acceptor.accept(signed.bytes, now: Fixtures.t0) else { return XCTFail() }
        XCTAssertEqual(accepted.netmap, signed.netmap)
        XCTAssertEqual(acceptor.lastGoodBytes, signed.bytes)
        XCTAssertEqual(acceptor.usableNetmap(now: Fixtures.t0 + .seconds(3600))?.version, 1)
        XCTAssertNil(acceptor.usableNetmap(now: Fixtures.t0 + Fixtures.day), "the data plane stops at expiry")
    }

    func testRefusesForgedBytes() throws {
        let signed = try issue()
        var payloadFlip = signed.bytes
        payloadFlip[payloadFlip.count - 3] ^= 0x01
        XCTAssertEqual(refusal(payloadFlip), .badSignature)
        var signatureFlip = signed.bytes
        signatureFlip[10] ^= 0x80
        XCTAssertEqual(refusal(signatureFlip), .badSignature)
        // Signed by someone else while claiming to come from the pinned coordinator.
        XCTAssertEqual(refusal(sign(Array(signed.payload), by: Fixtures.identity(666))), .badSignature)
        // The right signature under another context (a key rotation statement) is no netmap.
        let otherContext = SignedEnvelope.seal(Array(signed.payload), context: .keyRotation, signer: Fixtures.coordinator)
        XCTAssertEqual(refusal(otherContext.encoded), .badSignature)
        XCTAssertNil(acceptor.current, "nothing was accepted")
    }

    func testRefusesAnotherCoordinator() throws {
        let rogue = Fixtures.identity(777)
        var other = try NetmapBuilder(coordinator: rogue, configuration: Fixtures.configuration,
                                      policy: Fixtures.policy(), policyVersion: 1, nodes: Fixtures.nodes)
        let bytes = try other.build(for: nas, now: Fixtures.t0).bytes
        XCTAssertEqual(refusal(bytes), .wrongCoordinator(pinned: Fixtures.coordinator.publicKey, found: rogue.publicKey))
        // Signed by the pinned key but naming another coordinator.
        var netmap = try issue().netmap
        netmap.coordinator.key = rogue.publicKey
        netmap.version = 9
        XCTAssertEqual(refusal(sign(netmap.jsonBytes())),
                       .wrongCoordinator(pinned: Fixtures.coordinator.publicKey, found: rogue.publicKey))
        XCTAssertTrue("\(refusal(bytes)!)".contains("pinned to coordinator"))
    }

    func testRefusesRollbackAndReplay() throws {
        let first = try issue()
        let second = try issue(at: Fixtures.t0 + .seconds(10))
        XCTAssertNil(refusal(second.bytes))
        XCTAssertEqual(refusal(first.bytes), .notNewer(version: 1, current: 2), "rollback")
        XCTAssertEqual(refusal(second.bytes), .notNewer(version: 2, current: 2), "replay")
        XCTAssertEqual(acceptor.lastGoodBytes, second.bytes, "a refusal keeps the last good netmap")
    }

    func testRefusesAnExpiredNetmap() throws {
        let signed = try issue()
        XCTAssertEqual(refusal(signed.bytes, at: signed.netmap.expiresAt),
                       .expired(expiresAt: signed.netmap.expiresAt, now: signed.netmap.expiresAt))
        XCTAssertNil(refusal(signed.bytes, at: signed.netmap.expiresAt - .milliseconds(1)))
    }

    func testRefusesAnotherNodesNetmap() throws {
        let bytes = try builder.build(for: Fixtures.id(4), now: Fixtures.t0).bytes
        XCTAssertEqual(refusal(bytes), .wrongNode(expected: Fixtures.identity(3).publicKey,
                                                  got: Fixtures.identity(4).publicKey, name: "nas-2"))
    }

    func testRefusesMalformedEnvelopesAndPayloads() throws {
        guard case .malformedEnvelope = refusal([1, 2, 3]) else { return XCTFail("too short") }
        var wrongVersion = try issue().bytes
        wrongVersion[0] = 2
        guard case .malformedEnvelope = refusal(wrongVersion) else { return XCTFail("envelope version") }

        guard case .malformedNetmap(let notJSON) = refusal(sign(Array("not json".utf8))) else { return XCTFail() }
        XCTAssertTrue(notJSON.hasPrefix("the netmap is not valid JSON"), notJSON)
        var text = String(decoding: try issue().payload, as: UTF8.self)
        text = text.replacingOccurrences(of: "\"version\":2", with: "\"version\":2,\"extra\":1")
        XCTAssertEqual(refusal(sign(Array(text.utf8))),
                       .malformedNetmap(reason: "the netmap has a field this mcpmesh does not know: extra"))

        var inconsistent = try issue().netmap
        inconsistent.version = 10
        inconsistent.outbound[Fixtures.identity(5).publicKey] = ["llama": ["*"]]
        guard case .malformedNetmap(let reason) = refusal(sign(inconsistent.jsonBytes())) else { return XCTFail() }
        XCTAssertTrue(reason.contains("not among the peers"), reason)

        var badGlob = try issue().netmap
        badGlob.version = 11
        let peer = try XCTUnwrap(badGlob.peers.first?.key)
        badGlob.inbound[peer] = ["files": ["read_[a]"]]
        guard case .malformedNetmap(let globReason) = refusal(sign(badGlob.jsonBytes())) else { return XCTFail() }
        XCTAssertTrue(globReason.contains("invalid tool glob"), globReason)
        XCTAssertNil(acceptor.current)
    }

    /// The signature covers the exact bytes: the same netmap written differently (other key
    /// order, whitespace, upper-case hex) under the original signature is refused, even
    /// though it decodes to an equal netmap.
    func testSignatureCoversExactBytesNotTheStructure() throws {
        let signed = try issue()
        let signature = Array(signed.bytes[1..<65])
        let original = String(decoding: signed.payload, as: UTF8.self)
        let variants = [
            original.replacingOccurrences(of: ",", with: ", "),
            original.replacingOccurrences(of: Fixtures.coordinator.publicKey.text,
                                          with: "mpk:" + Fixtures.coordinator.publicKey.raw.hex.uppercased()),
            try reordered(signed.netmap),
        ]
        for variant in variants {
            XCTAssertNotEqual(variant, original)
            XCTAssertEqual(try Netmap(jsonBytes: Array(variant.utf8)), signed.netmap, "the variant means the same")
            XCTAssertEqual(refusal([1] + signature + Array(variant.utf8)), .badSignature)
        }
        XCTAssertNil(refusal(signed.bytes))
    }

    /// The same netmap through JSONSerialization (no key order guaranteed, escaped slashes).
    private func reordered(_ netmap: Netmap) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(netmap.jsonBytes()))
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }

    func testRestoreReverifiesPersistedBytes() throws {
        let first = try issue()
        let second = try issue(at: Fixtures.t0 + .seconds(10))
        var tampered = second.bytes
        tampered[tampered.count - 5] ^= 0x20
        guard case .failure(.badSignature) = acceptor.restore(tampered, now: Fixtures.t0) else { return XCTFail("a tampered file") }
        guard case .success = acceptor.restore(second.bytes, now: Fixtures.t0 + .seconds(20)) else { return XCTFail() }
        XCTAssertEqual(acceptor.current?.netmap.version, 2)
        XCTAssertEqual(refusal(first.bytes), .notNewer(version: 1, current: 2), "no rollback after a restart")

        var restarted = NetmapAcceptor(coordinatorKey: Fixtures.coordinator.publicKey, nodeKey: Fixtures.identity(3).publicKey)
        let late = second.netmap.expiresAt + .seconds(1)
        guard case .failure(.expired) = restarted.restore(second.bytes, now: late) else { return XCTFail("expired on disk") }
        XCTAssertNil(restarted.current)
        XCTAssertEqual(restarted.highestVersion, 2, "an expired netmap still sets the rollback floor")
        guard case .failure(.notNewer) = restarted.accept(first.bytes, now: Fixtures.t0) else { return XCTFail() }
        let third = try issue(at: late)
        guard case .success = restarted.accept(third.bytes, now: late) else { return XCTFail() }
    }

    func testErrorsReadAsOneSentence() throws {
        let errors: [ControlError] = [
            .badSignature, .notNewer(version: 3, current: 4), .malformedEnvelope(reason: "x"),
            .expired(expiresAt: Fixtures.t0, now: Fixtures.t0 + .seconds(1)),
            .wrongNode(expected: Fixtures.identity(1).publicKey, got: Fixtures.identity(2).publicKey, name: "laptop-1"),
            .nodeExpired(Fixtures.id(7), name: "old-laptop"), .unknownNode(Fixtures.id(9)),
        ]
        for error in errors {
            let text = error.description
            XCTAssertTrue(text.hasSuffix("."), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
        XCTAssertEqual(ControlError.expired(expiresAt: Fixtures.t0, now: Fixtures.t0 + .seconds(1)).description,
                       "Refused a netmap that expired at 2026-01-01T00:00:00.000Z (now 2026-01-01T00:00:01.000Z); the coordinator must issue a new one.")
    }
}
