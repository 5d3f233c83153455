import XCTest

@testable import MeshNet

final class TransmitCoalescerTests: XCTestCase {
    typealias C = TransmitCoalescer<Int>

    /// Places each datagram and collects the runs as the shell would write them.
    func runs(_ c: inout C, _ items: [(size: Int, to: Int)]) -> [(to: Int, segment: Int, sizes: [Int])] {
        var written: [(to: Int, segment: Int, sizes: [Int])] = []
        var open: (to: Int, segment: Int, sizes: [Int])?
        func close(_ run: C.Run?) {
            guard let run else { return }
            XCTAssertEqual(open?.sizes.count, run.count)
            XCTAssertEqual(open?.sizes.reduce(0, +), run.byteCount)
            XCTAssertEqual(open?.segment, run.segmentSize)
            written.append(open!)
            open = nil
        }
        for item in items {
            switch c.place(size: item.size, to: item.to) {
            case .join:
                open!.sizes.append(item.size)
            case .startRun(let closed):
                close(closed)
                XCTAssertLessThanOrEqual(item.size, c.runCapacity(startingWith: item.size))
                open = (item.to, item.size, [item.size])
            case .single(let closed):
                close(closed)
                written.append((item.to, item.size, [item.size]))
            }
        }
        close(c.finish())
        XCTAssertFalse(c.hasOpenRun)
        return written
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
        XCTAssertEqual(c.runCapacity(startingWith: 100), 400)
        var d = C(enabled: true, maxSegmentSize: 1232, maxSegments: 64, maxRunBytes: 3000)
        XCTAssertEqual(runs(&d, Array(repeating: (1000, 1), count: 7)).map(\.sizes.count), [3, 3, 1])
        XCTAssertEqual(d.runCapacity(startingWith: 1000), 3000)
        var e = C(enabled: true, maxSegmentSize: 1232, maxSegments: 64)
        XCTAssertEqual(runs(&e, [(1400, 1), (1400, 1)]).map(\.sizes.count), [1, 1], "too large for GSO: sent alone")
    }

    func testASingleDatagramFollowsTheRunItInterrupts() {
        var c = C(enabled: true, maxSegmentSize: 1232, maxSegments: 64)
        let r = runs(&c, [(1000, 1), (1000, 1), (1400, 1), (1000, 1)])
        XCTAssertEqual(r.map(\.sizes), [[1000, 1000], [1400], [1000]])
    }

    func testDisabledSendsEachAlone() {
        var c = C(enabled: false, maxSegmentSize: 1232, maxSegments: 64)
        XCTAssertEqual(runs(&c, Array(repeating: (100, 1), count: 3)).map(\.sizes.count), [1, 1, 1])
    }
}
