import XCTest
import MeshWire

final class InstantTests: XCTestCase {
    func testArithmeticSaturatesAndRoundTrips() {
        let t = Instant(nanoseconds: 1_000)
        XCTAssertEqual((t + .microseconds(2)).nanoseconds, 3_000)
        XCTAssertEqual((t - .microseconds(2)).nanoseconds, 0)
        XCTAssertEqual(Instant(nanoseconds: .max - 1) + .seconds(1), Instant(nanoseconds: .max))
        XCTAssertEqual(Instant(nanoseconds: 5_000) - t, .nanoseconds(4_000))
        XCTAssertEqual(t - Instant(nanoseconds: 5_000), .nanoseconds(-4_000))
        XCTAssertEqual(Duration.milliseconds(1500).seconds, 1.5, accuracy: 1e-12)
    }
}
