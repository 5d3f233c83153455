import XCTest

@testable import MeshNet

final class TransmitCoalescerTests: XCTestCase {
    typealias C = TransmitCoalescer<Int>

    func runs(_ c: inout C, _ items: [(size: Int, to: Int)]) -> [(to: Int, segment: Int, sizes: [Int])] {
        var ready: [C.Run] = []
        for item in items { c.add([UInt8](repeating: 0, count: item.size), to: item.to, into: &ready) }
        if let last = c.finish() { ready.append(last) }
        return ready.map { ($0.destination, $0.segmentSize, $0.datagrams.map(\.count)) }
    }

    func testEqualSizesToOneAddressMakeOneRun() {
        var c = C(enabled: true, maxSegmentSize: 1232, maxSegments: 64)
        let r = runs(&c, Array(repeating: (1232, 1), count: 10))
        XCTAssertEqual(r.count, 1)
        XCTAssertEqual(r[0].segment, 1232)
        XCTAssertEqual(r[0].sizes.count, 10)
    }

    func testAShorterDatagramEndsTheRun() {
        var c = C(enabled: true, maxSegmentSize: 1232, maxSegments: 64)
        let r = runs(&c, [(1000, 1), (1000, 1), (500, 1), (1000, 1)])
        XCTAssertEqual(r.map(\.sizes), [[1000, 1000, 500], [1000]])
    }

    func testALargerDatagramOrAnotherAddressStartsANewRun() {
        var c = C(enabled: true, maxSegmentSize: 1232, maxSegments: 64)
        let r = runs(&c, [(500, 1), (600, 1), (600, 2), (600, 2)])
        XCTAssertEqual(r.map(\.to), [1, 1, 2])
        XCTAssertEqual(r.map(\.sizes), [[500], [600], [600, 600]])
    }

    func testLimitsOnSegmentsBytesAndSegmentSize() {
        var c = C(enabled: true, maxSegmentSize: 1232, maxSegments: 4)
        XCTAssertEqual(runs(&c, Array(repeating: (100, 1), count: 9)).map(\.sizes.count), [4, 4, 1])
        var d = C(enabled: true, maxSegmentSize: 1232, maxSegments: 64, maxRunBytes: 3000)
        XCTAssertEqual(runs(&d, Array(repeating: (1000, 1), count: 7)).map(\.sizes.count), [3, 3, 1])
        var e = C(enabled: true, maxSegmentSize: 1232, maxSegments: 64)
        XCTAssertEqual(runs(&e, [(1400, 1), (1400, 1)]).map(\.sizes.count), [1, 1], "too large for GSO: sent alone")
    }

    func testDisabledSendsEachAlone() {
        var c = C(enabled: false, maxSegmentSize: 1232, maxSegments: 64)
        XCTAssertEqual(runs(&c, Array(repeating: (100, 1), count: 3)).map(\.sizes.count), [1, 1, 1])
    }
}
