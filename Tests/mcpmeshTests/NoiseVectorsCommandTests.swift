import Foundation
import XCTest

final class NoiseVectorsCommandTests: XCTestCase {
    let shared = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/noise-vectors/vectors.json")

    func temp(_ contents: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mcpmesh-vectors-\(UUID().uuidString).json")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    func testSharedVectorsAllPass() throws {
        let r = try CLIRunner.run(["debug", "noise-vectors", shared.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").last, "36 passed, 0 failed")
    }

    func testFailingVectorIsNamedAndExitsNonZero() throws {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: shared)) as! [String: Any]
        var vectors = json["vectors"] as! [[String: Any]]
        var messages = vectors[9]["messages"] as! [[String: String]]
        let ct = messages[0]["ciphertext"]!
        messages[0]["ciphertext"] = String(ct.dropLast(2)) + (ct.hasSuffix("00") ? "01" : "00")
        vectors[9]["messages"] = messages
        json["vectors"] = vectors
        let path = try temp(String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self))
        let r = try CLIRunner.run(["debug", "noise-vectors", path])
        XCTAssertEqual(r.status, 1)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.last, "35 passed, 1 failed")
        XCTAssertTrue(lines.contains { $0.hasPrefix("FAIL vectors[9] Noise_IK_25519_ChaChaPoly_BLAKE2b: message 0") }, r.stdout)
    }

    func testMalformedFilesGetOneLineErrorsNotCrashes() throws {
        let cases: [(String, String)] = [
            ("", "not valid JSON"),
            ("{\"vectors\": [\n{\"protocol_name\": \"x\" \"messages\": []}]}", "line 2:"),
            ("{\"vectors\": [{\"protocol_name\": \"x\", \"messages\": [{\"payload\": \"0g\", \"ciphertext\": \"\"}]}]}",
             "vectors[0].messages[0].payload: not hex"),
            ("{\"vectors\": 3}", "vectors: expected an array"),
        ]
        for (text, expected) in cases {
            let r = try CLIRunner.run(["debug", "noise-vectors", try temp(text)])
            XCTAssertEqual(r.status, 2, "\(text): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("Error: "), r.stderr)
            XCTAssertTrue(r.stderr.contains(expected), "\(r.stderr) lacks \(expected)")
        }
        let missing = try CLIRunner.run(["debug", "noise-vectors", "/nonexistent/vectors.json"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "Error: cannot read /nonexistent/vectors.json: no such file\n")
    }

    func testUnsupportedProtocolCountsAsFailure() throws {
        let path = try temp("{\"vectors\": [{\"protocol_name\": \"Noise_IK_448_ChaChaPoly_BLAKE2b\", \"messages\": []}]}")
        let r = try CLIRunner.run(["debug", "noise-vectors", path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("only the 25519 DH function is supported"), r.stdout)
        XCTAssertEqual(r.stdout.split(separator: "\n").last, "0 passed, 1 failed")
    }

    func testHelpExplainsTheCommand() throws {
        let r = try CLIRunner.run(["debug", "noise-vectors", "--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("N passed, M failed"))
    }
}
