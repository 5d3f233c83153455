import Foundation
import XCTest
import MeshCrypto
import MeshWire
import MeshSim
import Noise
@testable import MeshTransport

/// Checks the worked example of docs/protocol.md ("Worked example") byte for byte: every
/// hex block there tagged `example:NAME` must equal what this implementation computes
/// from the example's fixed inputs.
final class WorkedExampleTests: XCTestCase {
    static let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/protocol.md")

    /// Computes every value of the example.
    static func compute() throws -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        let initiatorSeed = (0..<32).map { UInt8($0) }
        let responderSeed = (0..<32).map { UInt8(0x20 + $0) }
        let initiator = try IdentitySecretKey(seed: SecretBytes(initiatorSeed))
        let responder = try IdentitySecretKey(seed: SecretBytes(responderSeed))
        let ie = try EphemeralSecretKey(bytes: (0..<32).map { UInt8(0x40 + $0) })
        let re = try EphemeralSecretKey(bytes: (0..<32).map { UInt8(0x60 + $0) })
        out.append(("initiator-identity-public", initiator.publicKey.raw.bytes))
        out.append(("initiator-static-public", initiator.noiseStaticKey().publicKey.raw.bytes))
        out.append(("responder-identity-public", responder.publicKey.raw.bytes))
        out.append(("responder-static-public", responder.noiseStaticKey().publicKey.raw.bytes))
        out.append(("initiator-ephemeral-public", ie.publicKey.raw.bytes))
        out.append(("responder-ephemeral-public", re.publicKey.raw.bytes))
        out.append(("mac1-key-responder", MACs.mac1Key(for: responder.noiseStaticKey().publicKey)))

        var unused = SystemRandom()
        let payload = Handshake.InitiationPayload(timestamp: Timestamp(unixNanoseconds: 1_764_000_000_123_456_789),
                                                  epoch: 0x0807_0605_0403_0201, identity: initiator.publicKey)
        let start = try HandshakeState(protocolName: .mcpmesh, initiator: true, prologue: SessionConstants.prologue,
                                       s: initiator.noiseStaticKey(), rs: responder.noiseStaticKey().publicKey)
        out.append(("handshake-hash-start", start.handshakeHash))
        let (initiation, pending) = try Handshake.createInitiation(
            localStatic: initiator.noiseStaticKey(), remoteStatic: responder.noiseStaticKey().publicKey,
            localIndex: SessionIndex(0x4433_2211), payload: payload, ephemeral: ie, rng: &unused)
        var initiationBytes = initiation.encoded()
        var toResponder = CookieGenerator(remoteStatic: responder.noiseStaticKey().publicKey)
        toResponder.addMACs(to: &initiationBytes, mac1Offset: WireSize.initiationMAC1, now: .zero)
        out.append(("initiation", initiationBytes))

        // Under load, the responder answers this initiation from 127.0.0.1:51820 with a
        // cookie reply; the initiator's next initiation carries mac2.
        let source = SimAddress(host: 0x7f00_0001, port: 51820)
        var checker = CookieChecker(localStatic: responder.noiseStaticKey().publicKey,
                                    secret: SecretBytes((0..<32).map { UInt8(0x80 + $0) }), secretSetAt: .zero)
        let cookie = checker.cookie(for: source, now: .zero, rng: &unused)
        out.append(("cookie", cookie))
        let reply = checker.reply(to: initiationBytes, mac1Offset: WireSize.initiationMAC1, receiver: SessionIndex(0x4433_2211),
                                  cookie: cookie, nonce: (0..<24).map { UInt8(0xa0 + $0) })
        out.append(("cookie-reply", reply.encoded()))
        XCTAssertTrue(toResponder.consume(reply, now: .zero))
        var withMAC2 = initiationBytes
        toResponder.addMACs(to: &withMAC2, mac1Offset: WireSize.initiationMAC1, now: .zero)
        out.append(("initiation-with-mac2", withMAC2))
        XCTAssertTrue(checker.checkMAC2(withMAC2, mac1Offset: WireSize.initiationMAC1, source: source, now: .zero, rng: &unused))

        let (state, learned, got) = try Handshake.consumeInitiation(initiation, localStatic: responder.noiseStaticKey(), ephemeral: re)
        XCTAssertEqual(learned, initiator.noiseStaticKey().publicKey)
        XCTAssertEqual(got, payload)
        let (response, rSend, rReceive) = try Handshake.createResponse(
            state: state, localIndex: SessionIndex(0x8877_6655), remoteIndex: SessionIndex(0x4433_2211),
            epoch: 0x1817_1615_1413_1211, rng: &unused)
        var responseBytes = response.encoded()
        var toInitiator = CookieGenerator(remoteStatic: initiator.noiseStaticKey().publicKey)
        toInitiator.addMACs(to: &responseBytes, mac1Offset: WireSize.responseMAC1, now: .zero)
        out.append(("response", responseBytes))

        var final = pending.state
        _ = try final.readMessage(response.noise)
        out.append(("handshake-hash-final", final.handshakeHash))
        let (epoch, iSend, iReceive) = try Handshake.consumeResponse(response, pending: pending)
        XCTAssertEqual(epoch, 0x1817_1615_1413_1211)
        out.append(("key-initiator-to-responder", iSend.secret.withUnsafeBytes { Array($0) }))
        out.append(("key-responder-to-initiator", iReceive.secret.withUnsafeBytes { Array($0) }))
        XCTAssertTrue(iSend.secret.constantTimeEquals(rReceive.secret))
        XCTAssertTrue(iReceive.secret.constantTimeEquals(rSend.secret))

        let data = TransportData.seal(Array("hello, mesh".utf8), key: iSend, receiver: SessionIndex(0x8877_6655), counter: 0)
        out.append(("transport-0", data))
        XCTAssertEqual(TransportData.open(data, key: rReceive, counter: 0), Array("hello, mesh".utf8))
        let keepalive = TransportData.seal([], key: rSend, receiver: SessionIndex(0x4433_2211), counter: 0)
        out.append(("keepalive-0", keepalive))
        return out
    }

    /// The hex blocks of the doc: a line `<!-- example:NAME -->` then a fenced block of hex.
    static func docBlocks() throws -> [String: [UInt8]] {
        let text = try String(contentsOf: doc, encoding: .utf8)
        var blocks: [String: [UInt8]] = [:]
        let lines = text.components(separatedBy: "\n")
        var i = 0
        while i < lines.count {
            let line = lines[i].trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("<!-- example:"), line.hasSuffix("-->") {
                let name = String(line.dropFirst("<!-- example:".count).dropLast(3)).trimmingCharacters(in: .whitespaces)
                i += 2  // skip the opening fence
                var hex = ""
                while i < lines.count, !lines[i].hasPrefix("```") {
                    hex += lines[i].filter { !$0.isWhitespace }
                    i += 1
                }
                blocks[name] = Hex.decode(hex)
            }
            i += 1
        }
        return blocks
    }

    func testDocMatchesImplementation() throws {
        let computed = try Self.compute()
        if ProcessInfo.processInfo.environment["MESH_PRINT_EXAMPLE"] != nil {
            for (name, bytes) in computed {
                print("<!-- example:\(name) -->\n```\n" + stride(from: 0, to: bytes.count, by: 32).map {
                    Hex.encode(bytes[$0..<min($0 + 32, bytes.count)])
                }.joined(separator: "\n") + "\n```\n")
            }
        }
        let blocks = try Self.docBlocks()
        XCTAssertEqual(blocks.count, computed.count, "docs/protocol.md must carry every example value")
        for (name, bytes) in computed {
            XCTAssertEqual(blocks[name].map { Hex.encode($0) }, Hex.encode(bytes), "example:\(name)")
        }
    }
}
