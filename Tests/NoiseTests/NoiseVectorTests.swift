import XCTest
import MeshCrypto
@testable import Noise

/// The shared vector file sits in ../shared beside the checkout, read-only; CI has it there too.
let sharedVectors = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/noise-vectors/vectors.json")

final class NoiseVectorTests: XCTestCase {
    func loadVectors() throws -> [NoiseVector] {
        let data = try Data(contentsOf: sharedVectors)
        return try NoiseVectorFile.parse(Array(data))
    }

    func testEveryPublishedVectorPasses() throws {
        let vectors = try loadVectors()
        XCTAssertEqual(vectors.count, 36)
        for v in vectors {
            XCTAssertEqual(NoiseVectorRunner.run(v), .passed, "\(v.index) \(v.protocolName)")
        }
        XCTAssertTrue(vectors.contains { $0.protocolName == "Noise_IK_25519_ChaChaPoly_BLAKE2b" })
    }

    func testATamperedVectorFails() throws {
        var v = try XCTUnwrap(loadVectors().first { $0.protocolName == "Noise_IK_25519_ChaChaPoly_BLAKE2b" })
        v.messages[1].ciphertext[40] ^= 1
        guard case .failed(let why) = NoiseVectorRunner.run(v) else { return XCTFail("tampered vector passed") }
        XCTAssertTrue(why.contains("message 1"), why)

        var w = try XCTUnwrap(loadVectors().first { $0.protocolName == "Noise_IK_25519_ChaChaPoly_BLAKE2b" })
        w.handshakeHash![0] ^= 1
        XCTAssertEqual(NoiseVectorRunner.run(w), .failed("initiator's handshake hash differs"))

        var x = try XCTUnwrap(loadVectors().first)
        x.protocolName = "Noise_ZZ_25519_ChaChaPoly_BLAKE2b"
        guard case .failed(let r) = NoiseVectorRunner.run(x) else { return XCTFail() }
        XCTAssertTrue(r.contains("unknown handshake pattern"), r)
    }

    func testMalformedFilesNameWhatAndWhere() {
        let cases: [(String, String)] = [
            ("", "not valid JSON"),
            ("{\"vectors\": [1, 2,, 3]}", "line 1:"),
            ("{\n\"vectors\": [\n  {\"protocol_name\": tru}]}", "line 3:"),
            ("[]", "top level: expected an object"),
            ("{}", "top level: missing the \"vectors\" array"),
            ("{\"vectors\": {}}", "vectors: expected an array"),
            ("{\"vectors\": [{}]}", "vectors[0]: missing \"protocol_name\""),
            ("{\"vectors\": [{\"protocol_name\": 5}]}", "vectors[0].protocol_name: expected a string"),
            ("{\"vectors\": [{\"protocol_name\": \"x\", \"messages\": [], \"init_static\": \"abc\"}]}", "vectors[0].init_static: not hex: hex string has odd length 3"),
            ("{\"vectors\": [{\"protocol_name\": \"x\", \"messages\": [], \"init_static\": \"zz\"}]}", "vectors[0].init_static: not hex: non-hex character at offset 0"),
            ("{\"vectors\": [{\"protocol_name\": \"x\", \"messages\": [], \"init_static\": \"00\"}]}", "vectors[0].init_static: expected 32 bytes, got 1"),
            ("{\"vectors\": [{\"protocol_name\": \"x\"}]}", "vectors[0]: missing \"messages\""),
            ("{\"vectors\": [{\"protocol_name\": \"x\", \"messages\": [{\"payload\": \"\"}]}]}", "vectors[0].messages[0]: missing \"ciphertext\""),
            ("{\"vectors\": [{\"protocol_name\": \"x\", \"messages\": [], \"bogus\": 1}]}", "vectors[0].bogus: unknown field"),
            ("{\"vectors\": [{\"protocol_name\": \"x\", \"messages\": [], \"init_psks\": [\"00\"]}]}", "vectors[0].init_psks[0]: expected 32 bytes, got 1"),
        ]
        for (text, expected) in cases {
            do {
                _ = try NoiseVectorFile.parse(Array(text.utf8))
                XCTFail("accepted: \(text)")
            } catch {
                XCTAssertTrue(error.description.contains(expected), "\(text) -> \(error.description), wanted \(expected)")
                XCTAssertFalse(error.description.contains("\n"))
            }
        }
    }
}
