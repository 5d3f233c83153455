import XCTest
@testable import MeshTransport

final class ReplayWindowTests: XCTestCase {
    func testAcceptsEachCounterOnceWithinTheWindow() {
        var w = ReplayWindow()
        XCTAssertTrue(w.accept(0))
        XCTAssertFalse(w.accept(0))
        XCTAssertTrue(w.accept(5))
        XCTAssertTrue(w.accept(3))
        XCTAssertFalse(w.accept(3))
        XCTAssertTrue(w.accept(8200))
        // The window is the 8128 counters (highest - 8128, highest]: 73 is the oldest.
        XCTAssertTrue(w.mayAccept(73))
        XCTAssertFalse(w.mayAccept(72))
        XCTAssertTrue(w.accept(73))
        XCTAssertFalse(w.accept(5), "slid out of the window")
        XCTAssertEqual(ReplayWindow.windowSize, 8128)
    }

    func testLargeJumpsClearTheRing() {
        var w = ReplayWindow()
        for c in 0..<200 { XCTAssertTrue(w.accept(UInt64(c))) }
        XCTAssertTrue(w.accept(1_000_000))
        // Ring blocks reused after the jump must not remember old bits.
        for c in (1_000_000 - 8000)..<1_000_000 { XCTAssertTrue(w.mayAccept(UInt64(c)), "\(c)") }
        XCTAssertFalse(w.accept(1_000_000))
    }

    func testMatchesAReferenceModelOnRandomSequences() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var w = ReplayWindow()
            var seen = Set<UInt64>()
            var highest: UInt64? = nil
            var base: UInt64 = 0
            for _ in 0..<3000 {
                base += UInt64.random(in: 0...40, using: &rng)
                let c = base + UInt64.random(in: 0...9000, using: &rng) - min(base, 4500)
                let expected: Bool
                if let h = highest, c < h, h - c >= ReplayWindow.windowSize {
                    expected = false
                } else {
                    expected = !seen.contains(c)
                }
                XCTAssertEqual(w.accept(c), expected, "counter \(c) highest \(String(describing: highest))")
                if expected {
                    seen.insert(c)
                    highest = max(highest ?? 0, c)
                }
            }
        }
    }

    func testRejectsCountersAtTheLimit() {
        var w = ReplayWindow()
        XCTAssertFalse(w.accept(SessionConstants.rejectAfterMessages))
        XCTAssertTrue(w.accept(SessionConstants.rejectAfterMessages - 1))
    }
}
