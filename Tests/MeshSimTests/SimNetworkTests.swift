import XCTest
import MeshWire
@testable import MeshSim

final class SimNetworkTests: XCTestCase {
    let a = SimAddress(host: 0x0a00_0001, port: 1000)
    let b = SimAddress(host: 0x0a00_0002, port: 2000)

    private func run(seed: UInt64, _ c: SimConditions, count: Int = 500) -> [(Instant, [UInt8])] {
        var net = SimNetwork(seed: seed, conditions: c)
        for i in 0..<count {
            net.advance(to: .zero + .milliseconds(Int64(i)))
            net.send([UInt8(i & 0xff), UInt8(i >> 8)], from: a, to: b)
        }
        var out: [(Instant, [UInt8])] = []
        while let d = net.deliverNext(notAfter: .zero + .seconds(100)) {
            XCTAssertEqual(d.from, a)
            XCTAssertEqual(d.to, b)
            XCTAssertGreaterThanOrEqual(net.now, d.arrival)
            out.append((d.arrival, d.bytes))
        }
        return out
    }

    func testSameSeedSameRun() {
        let c = SimConditions(loss: 0.1, duplication: 0.05, delay: .milliseconds(5), jitter: .milliseconds(20), corruption: 0.02)
        let x = run(seed: 42, c), y = run(seed: 42, c), z = run(seed: 43, c)
        XCTAssertEqual(x.map(\.0), y.map(\.0))
        XCTAssertEqual(x.map(\.1), y.map(\.1))
        XCTAssertNotEqual(x.map(\.1), z.map(\.1))
    }

    func testPerfectNetworkDeliversInOrderAfterDelay() {
        let out = run(seed: 1, SimConditions(delay: .milliseconds(7)))
        XCTAssertEqual(out.count, 500)
        for (i, (t, bytes)) in out.enumerated() {
            XCTAssertEqual(bytes, [UInt8(i & 0xff), UInt8(i >> 8)])
            XCTAssertEqual(t, .zero + .milliseconds(Int64(i + 7)))
        }
    }

    func testLossDuplicationAndReorderingHappenAtRoughlyTheirRates() {
        let out = run(seed: 7, SimConditions(loss: 0.2, duplication: 0.1, delay: .milliseconds(1), jitter: .milliseconds(30)), count: 5000)
        let ids = out.map { Int($0.1[0]) | Int($0.1[1]) << 8 }
        let unique = Set(ids)
        XCTAssertEqual(Double(unique.count) / 5000, 0.8, accuracy: 0.03)
        XCTAssertEqual(Double(ids.count - unique.count) / Double(unique.count), 0.1, accuracy: 0.03)
        let inversions = zip(ids, ids.dropFirst()).filter { $0 > $1 }.count
        XCTAssertGreaterThan(inversions, 100, "30 ms jitter at 1 ms spacing must reorder")
        // Deliveries come out in time order.
        XCTAssertEqual(out.map(\.0), out.map(\.0).sorted())
    }

    func testPartitionDropsEverythingInsideItsWindow() {
        let p = (Instant.zero + .milliseconds(100))..<(Instant.zero + .milliseconds(200))
        let out = run(seed: 3, SimConditions(delay: .milliseconds(1), partitions: [p]))
        let ids = Set(out.map { Int($0.1[0]) | Int($0.1[1]) << 8 })
        XCTAssertEqual(ids.count, 400)
        XCTAssertFalse(ids.contains(150))
        XCTAssertTrue(ids.contains(99))
        XCTAssertTrue(ids.contains(200))
    }

    func testCorruptionFlipsBytes() {
        var net = SimNetwork(seed: 9, conditions: SimConditions(corruption: 1))
        net.send([0, 0, 0, 0], from: a, to: b)
        let d = net.deliverNext(notAfter: .zero + .seconds(1))
        XCTAssertNotNil(d)
        XCTAssertNotEqual(d?.bytes, [0, 0, 0, 0])
        XCTAssertEqual(net.corrupted, 1)
    }

    func testDeliverNextRespectsDeadlineAndClockNeverGoesBack() {
        var net = SimNetwork(seed: 1, conditions: SimConditions(delay: .milliseconds(10)))
        net.send([1], from: a, to: b)
        XCTAssertNil(net.deliverNext(notAfter: .zero + .milliseconds(9)))
        XCTAssertEqual(net.now, .zero)
        net.advance(to: .zero + .milliseconds(50))
        XCTAssertNotNil(net.deliverNext(notAfter: .zero + .milliseconds(50)))
        XCTAssertEqual(net.now, .zero + .milliseconds(50))
        net.advance(to: .zero)
        XCTAssertEqual(net.now, .zero + .milliseconds(50))
    }
}
