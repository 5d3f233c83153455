import Foundation
import XCTest
@testable import MCPBridge

final class AuditLogTests: XCTestCase {
    private func tempPath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("audit.jsonl").path
    }

    private let sample = AuditRecord(time: Date(timeIntervalSince1970: 1_764_106_684.512), peer: "laptop", server: "files",
                                     method: "tools/call", tool: "read_file", decision: .allowed, durationMs: 12.4,
                                     bytesIn: 118, bytesOut: 5120, outcome: "ok")

    func testRecordIsOneJSONLineWithKeysInOrder() throws {
        XCTAssertEqual(sample.jsonLine,
                       #"{"time":"2025-11-25T21:38:04.512Z","peer":"laptop","server":"files","method":"tools/call","tool":"read_file","decision":"allowed","duration_ms":12.4,"bytes_in":118,"bytes_out":5120,"outcome":"ok"}"#)
        let decoded = try JSONDecoder().decode(AuditRecord.self, from: Data(sample.jsonLine.utf8))
        XCTAssertEqual(decoded.jsonLine, sample.jsonLine)  // times are kept to the millisecond
        var session = sample
        session.method = "session"
        session.tool = nil
        session.outcome = "peer \"a\nb\" closed"
        XCTAssertFalse(session.jsonLine.contains("\"tool\""))
        XCTAssertFalse(session.jsonLine.contains("\n"))
        XCTAssertEqual(try JSONDecoder().decode(AuditRecord.self, from: Data(session.jsonLine.utf8)).outcome, session.outcome)
    }

    func testTimesAndStringsAreWrittenAsFoundationWouldWriteThem() throws {
        var rng = SystemRandomNumberGenerator()
        // Foundation's ISO 8601 text for the whole seconds (it switches to the Julian calendar
        // before 1582, so the comparison starts after), then the milliseconds.
        let fixed: [Int64] = [0, -1, 951_782_400_000, 4_107_542_399_999, -11_676_096_000_000, 1_709_164_800_500, 253_402_300_799_999]
        for ms in fixed + (0..<2000).map({ _ in Int64.random(in: -11_676_096_000_000...253_402_300_799_999, using: &rng) }) {
            let (seconds, millis) = ms.quotientAndRemainder(dividingBy: 1000)
            let whole = millis < 0 ? (seconds - 1, millis + 1000) : (seconds, millis)
            let base = Date(timeIntervalSince1970: TimeInterval(whole.0)).formatted(Date.ISO8601FormatStyle())
            let expected = String(base.dropLast()) + String(format: ".%03dZ", Int(whole.1))
            XCTAssertEqual(AuditRecord.format(Date(timeIntervalSince1970: TimeInterval(ms) / 1000)), expected, "\(ms)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let samples = ["", "plain", "a/b", "quote \" backslash \\ end", "tab\tnew\nline\rcr", "\u{0}\u{1}\u{1F}\u{7F}",
                       "\u{08}\u{0C}", "héllo wörld ✓ 🚀", "\u{2028}\u{2029}"] + (0..<200).map { _ in
            String(String.UnicodeScalarView((0..<20).compactMap { _ in Unicode.Scalar(UInt32.random(in: 0...0x7F, using: &rng)) }))
        }
        for text in samples {
            var quoted = ""
            AuditRecord.appendQuoted(text, to: &quoted)
            XCTAssertEqual(quoted, String(decoding: try encoder.encode(text), as: UTF8.self), text.debugDescription)
        }
    }

    func testCallAuditBecomesARecord() {
        let call = CallAudit(method: "tools/call", tool: "x", decision: .denied, duration: .microseconds(1_234_567),
                             bytesIn: 1, bytesOut: 2, outcome: "not permitted")
        let record = AuditRecord(call: call, peer: "p", server: "s", time: sample.time)
        XCTAssertEqual(record.durationMs, 1234.6)
        XCTAssertEqual(record.decision, .denied)
        XCTAssertEqual(record.tool, "x")
    }

    func testLinesAreAppendedInOrderWithMode0600() async throws {
        let path = try tempPath()
        for policy in [AuditLog.SyncPolicy.everyRecord, .interval(.milliseconds(50)), .never] {
            try? FileManager.default.removeItem(atPath: path)
            let log = try AuditLog(path: path, sync: policy)
            for i in 0..<200 {
                var r = sample
                r.bytesIn = i
                log.record(r)
            }
            await log.flush()
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 200)
            XCTAssertEqual(try lines.map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.utf8)).bytesIn }, Array(0..<200))
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600)
            await log.close()
            log.record(sample)  // ignored after close
            let failure = await log.lastFailure()
            XCTAssertNil(failure)
        }
    }

    func testReopeningAppends() async throws {
        let path = try tempPath()
        let first = try AuditLog(path: path)
        first.record(sample)
        await first.close()
        let second = try AuditLog(path: path)
        second.sink(sample)
        await second.close()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count, 2)
    }

    func testTheLogRotatesBySizeKeepingTheNewestFiles() async throws {
        let path = try tempPath()
        let log = try AuditLog(path: path, sync: .everyRecord, rotation: .init(maxBytes: 2_000, keep: 2))
        let lineBytes = sample.jsonLine.utf8.count + 1
        for i in 0..<100 {
            var r = sample
            r.bytesIn = i
            log.record(r)
        }
        await log.close()
        let fm = FileManager.default
        XCTAssertTrue(fm.fileExists(atPath: path + ".1"))
        XCTAssertTrue(fm.fileExists(atPath: path + ".2"))
        XCTAssertFalse(fm.fileExists(atPath: path + ".3"), "only `keep` old files")
        var seen: [Int] = []
        for file in [path + ".2", path + ".1", path] {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            XCTAssertLessThanOrEqual(text.utf8.count, 2_000, "\(file) stays within the limit")
            XCTAssertGreaterThan(text.utf8.count, 2_000 - lineBytes, "\(file) is filled before rotating")
            XCTAssertEqual(try fm.attributesOfItem(atPath: file)[.posixPermissions] as? Int, 0o600)
            seen += try text.split(separator: "\n").map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.utf8)).bytesIn }
        }
        // The newest records, whole lines, in order, none lost between the files kept.
        XCTAssertEqual(seen.last, 99)
        XCTAssertEqual(seen, Array((100 - seen.count)..<100))
        XCTAssertGreaterThan(seen.count, 2_000 * 2 / lineBytes)
        let failure = await log.lastFailure()
        XCTAssertNil(failure)
    }

    func testAReopenedLogCountsTheSizeAlreadyWritten() async throws {
        let path = try tempPath()
        let first = try AuditLog(path: path, rotation: .init(maxBytes: 1_000, keep: 1))
        for _ in 0..<3 { first.record(sample) }
        await first.close()
        let second = try AuditLog(path: path, rotation: .init(maxBytes: 1_000, keep: 1))
        for _ in 0..<3 { second.record(sample) }
        await second.close()
        XCTAssertTrue(FileManager.default.fileExists(atPath: path + ".1"), "six lines pass 1,000 bytes across the two opens")
        XCTAssertLessThanOrEqual(try String(contentsOfFile: path + ".1", encoding: .utf8).utf8.count, 1_000)
    }

    func testUnwritablePathIsAnError() {
        XCTAssertThrowsError(try AuditLog(path: "/nonexistent-dir-\(UUID().uuidString)/audit.jsonl")) { error in
            guard case .io(let what, _) = error as? MCPBridgeError else { return XCTFail("\(error)") }
            XCTAssertTrue(what.contains("audit log"))
        }
    }
}
