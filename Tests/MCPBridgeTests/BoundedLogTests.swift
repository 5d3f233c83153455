import XCTest
@testable import MCPBridge

final class BoundedLogTests: XCTestCase {
    func testLinesComeOutAsTheyComplete() {
        var log = BoundedLog(capacity: 1024)
        XCTAssertEqual(log.append(Array("one\ntw".utf8)), ["one"])
        XCTAssertEqual(log.lines, ["one", "tw"])
        XCTAssertEqual(log.append(Array("o\r\nthree\n".utf8)), ["two", "three"])
        XCTAssertEqual(log.text, "one\ntwo\nthree")
    }

    func testOldestLinesAreDroppedToStayWithinCapacity() {
        var log = BoundedLog(capacity: 20, maxLineBytes: 8)
        for i in 0..<100 { log.append(Array("line \(i)\n".utf8)) }
        XCTAssertEqual(log.lines.last, "line 99")
        XCTAssertLessThanOrEqual(log.lines.reduce(0) { $0 + $1.utf8.count + 1 }, 20)
        XCTAssertEqual(log.droppedLines + log.lines.count, 100)
    }

    func testLongLinesAreCutAndInvalidUTF8Survives() {
        var log = BoundedLog(capacity: 100, maxLineBytes: 4)
        XCTAssertEqual(log.append(Array("abcdefgh\n".utf8) + [0xFF, 0xFE, 0x0A]), ["abcd", "\u{FFFD}\u{FFFD}"])
    }
}
