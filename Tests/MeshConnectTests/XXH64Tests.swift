import XCTest
@testable import MeshConnect

/// XXH64 against values from the reference implementation (the `xxhash` Python binding of
/// libxxhash), and the streaming form against the one-shot form at every split.
final class XXH64Tests: XCTestCase {
    func hex(_ v: UInt64) -> String { String(v, radix: 16).leftPadded(to: 16) }

    func testKnownAnswers() {
        XCTAssertEqual(hex(XXH64.hash([UInt8]())), "ef46db3751d8e999")
        XCTAssertEqual(hex(XXH64.hash(Array("a".utf8))), "d24ec4f1a98c6e5b")
        XCTAssertEqual(hex(XXH64.hash(Array("abc".utf8))), "44bc2cf5ad770999")
        XCTAssertEqual(hex(XXH64.hash([UInt8](repeating: UInt8(ascii: "x"), count: 31))), "60dd0d01083b99f0")
        XCTAssertEqual(hex(XXH64.hash([UInt8](repeating: UInt8(ascii: "y"), count: 32))), "64da1f1d3495ce66")
        let mixed = [UInt8](repeating: UInt8(ascii: "z"), count: 100) + [UInt8](repeating: UInt8(ascii: "q"), count: 7)
        XCTAssertEqual(hex(XXH64.hash(mixed)), "d9b8f3e8fd2589a7")
        let ramp = (0..<3).flatMap { _ in (0..<256).map { UInt8($0) } }
        XCTAssertEqual(hex(XXH64.hash(ramp)), "8e03c838c596036f")
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        XCTAssertEqual(hex(XXH64.hash(data)), "5f235fa033f1a3fb")
        XCTAssertEqual(hex(XXH64.hash(data, seed: 0x0123_4567_89AB_CDEF)), "86fe41ff40ab90db")
    }

    func testStreamingMatchesOneShotAtEverySplit() {
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 11) }
        let whole = XXH64.hash(data)
        for a in 0...data.count {
            for b in stride(from: a, through: data.count, by: 7) {
                var h = XXH64()
                h.update(Array(data[..<a]))
                h.update(Array(data[a..<b]))
                h.update(Array(data[b...]))
                XCTAssertEqual(h.finish(), whole, "split at \(a), \(b)")
            }
        }
    }

    func testTransferDigestCombinesStreamChecksums() {
        var one = XXH64(); one.update(Array("stream one".utf8))
        let combined = PerfProtocol.digest([one.finishBytes(), XXH64().finishBytes()])
        XCTAssertEqual(combined.map { String($0, radix: 16).leftPadded(to: 2) }.joined(), "3a1177455407f843")
    }

    func testFillerIsDeterministicPerStream() {
        var a = PerfFiller(stream: 1), b = PerfFiller(stream: 1), c = PerfFiller(stream: 2)
        let whole = a.fill(64)
        XCTAssertEqual(b.fill(64), whole)
        XCTAssertNotEqual(c.fill(64), whole)
        var d = PerfFiller(stream: 3)
        XCTAssertEqual(d.fill(13).count, 13)
        // Consecutive chunks differ, also past the 64 KiB block the filler starts from.
        var e = PerfFiller(stream: 1)
        let first = e.fill(70_000), second = e.fill(70_000)
        XCTAssertNotEqual(first, second)
        XCTAssertNotEqual(Array(first[0..<64]), Array(first[65_536..<65_600]))
    }
}

private extension String {
    func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
