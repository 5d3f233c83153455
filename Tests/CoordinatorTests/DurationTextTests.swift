import XCTest
@testable import Coordinator

final class DurationTextTests: XCTestCase {
    func testValidDurations() throws {
        let table: [(String, Int64)] = [
            ("90s", 90), ("30m", 1_800), ("24h", 86_400), ("7d", 604_800), ("2w", 1_209_600),
            ("1h30m", 5_400), ("1d12h", 129_600), ("1w2d3h4m5s", 788_645), ("3650d", 315_360_000),
        ]
        for (text, seconds) in table {
            XCTAssertEqual(try DurationText.seconds(text), seconds, text)
        }
    }

    func testInvalidDurationsSayWhatIsWrong() {
        let table: [(String, String)] = [
            ("", "it is empty"),
            ("24", "\"24\" has no unit"),
            ("24x", "\"x\" is not a unit"),
            ("h", "a unit needs a number before it"),
            ("0h", "it must be longer than zero"),
            ("30m1h", "units must come largest first"),
            ("1h1h", "units must come largest first"),
            ("1 h", "it holds a space"),
            ("-5m", "\"-\" is not a unit"),
            ("3651d", "longer than 3650 days"),
            ("9999999999999d", "the number is too large"),
        ]
        for (text, expected) in table {
            XCTAssertThrowsError(try DurationText.seconds(text, what: "--expires"), text) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.hasPrefix("--expires \"\(text)\" is invalid: "), message)
                XCTAssertTrue(message.contains(expected), "\(text): \(message)")
            }
        }
    }

    func testFormatWritesLargestUnitsFirst() {
        XCTAssertEqual(DurationText.format(seconds: 45), "45s")
        XCTAssertEqual(DurationText.format(seconds: 129_600), "1d12h")
        XCTAssertEqual(DurationText.format(seconds: 5_400), "1h30m")
        XCTAssertEqual(DurationText.format(seconds: 0), "0s")
        for seconds: Int64 in [1, 59, 61, 3_599, 86_401, 1_000_000] {
            XCTAssertEqual(try DurationText.seconds(DurationText.format(seconds: seconds)), seconds)
        }
    }
}
