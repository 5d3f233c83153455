import MeshWire
@testable import MeshStream
import XCTest

/// SentPacketTracker and RTTEstimator (RFC 9002 §5, §6).
final class LossDetectionTests: XCTestCase {
    private let t0 = Instant(nanoseconds: 5_000_000_000)

    private func send(_ tracker: inout SentPacketTracker, _ pns: [UInt64], at time: Instant, size: Int = 1000) {
        for pn in pns {
            tracker.onSent(packetNumber: pn, timeSent: time, size: size, ackEliciting: true,
                           frames: [.stream(StreamID(rawValue: 0), offset: pn * 1000, length: 1000, fin: false)])
        }
    }

    private func ack(_ ranges: [ClosedRange<UInt64>]) -> AckFrame { AckFrame(ranges: ranges, ackDelay: 0) }

    func testAckTakesPacketsOutOfFlightAndSamplesRTT() throws {
        var t = SentPacketTracker()
        send(&t, [0, 1, 2], at: t0)
        XCTAssertEqual(t.bytesInFlight, 3000)
        let result = try t.onAck(ack([1...2]), now: t0 + .milliseconds(40))
        XCTAssertEqual(result.acked.map(\.packetNumber), [1, 2])
        XCTAssertEqual(result.rttSample, .milliseconds(40))
        XCTAssertEqual(t.bytesInFlight, 1000)
        let again = try t.onAck(ack([1...2]), now: t0 + .milliseconds(50))
        XCTAssertTrue(again.acked.isEmpty, "a repeated ACK acknowledges nothing new")
        XCTAssertNil(again.rttSample)
    }

    func testAckOfUnsentPacketIsAProtocolViolation() {
        var t = SentPacketTracker()
        send(&t, [0, 1], at: t0)
        XCTAssertThrowsError(try t.onAck(ack([2...2]), now: t0)) { error in
            XCTAssertEqual(error as? StreamError, .ackOfUnsentPacket(2, largestSent: 1))
            XCTAssertEqual((error as? StreamError)?.transportErrorCode, .protocolViolation)
        }
    }

    /// §6.1.1: lost once three later packets are acknowledged.
    func testPacketThreshold() throws {
        var t = SentPacketTracker()
        send(&t, [0, 1, 2, 3, 4], at: t0)
        var rtt = RTTEstimator()
        rtt.update(sample: .milliseconds(100), ackDelay: .zero, now: t0)
        _ = try t.onAck(ack([1...2]), now: t0 + .milliseconds(1))
        var lost = t.detectLosses(now: t0 + .milliseconds(1), lossDelay: t.lossDelay(rtt), persistentDuration: nil, firstSampleTime: nil)
        XCTAssertTrue(lost.lost.isEmpty, "only two packets after packet 0 were acknowledged")
        XCTAssertEqual(t.lossTime, t0 + .milliseconds(112) + .microseconds(500), "time threshold 9/8 × 100 ms")
        _ = try t.onAck(ack([1...3]), now: t0 + .milliseconds(2))
        lost = t.detectLosses(now: t0 + .milliseconds(2), lossDelay: t.lossDelay(rtt), persistentDuration: nil, firstSampleTime: nil)
        XCTAssertEqual(lost.lost.map(\.packetNumber), [0])
        XCTAssertEqual(t.bytesInFlight, 1000, "packet 4 is still in flight")
        XCTAssertNil(t.lossTime)
    }

    /// §6.1.2: lost 9/8 RTT after it was sent, once a later packet is acknowledged.
    func testTimeThreshold() throws {
        var t = SentPacketTracker()
        var rtt = RTTEstimator()
        rtt.update(sample: .milliseconds(80), ackDelay: .zero, now: t0)
        send(&t, [0], at: t0)
        send(&t, [1], at: t0 + .milliseconds(10))
        _ = try t.onAck(ack([1...1]), now: t0 + .milliseconds(89))
        var lost = t.detectLosses(now: t0 + .milliseconds(89), lossDelay: t.lossDelay(rtt), persistentDuration: nil, firstSampleTime: nil)
        XCTAssertTrue(lost.lost.isEmpty)
        XCTAssertEqual(t.lossTime, t0 + .milliseconds(90), "9/8 × max(srtt 80, latest 80) = 90 ms after sending")
        lost = t.detectLosses(now: t0 + .milliseconds(90), lossDelay: t.lossDelay(rtt), persistentDuration: nil, firstSampleTime: nil)
        XCTAssertEqual(lost.lost.map(\.packetNumber), [0])
        XCTAssertNil(t.lossTime)
    }

    /// §6.1: a packet declared lost and acknowledged later widens the threshold.
    func testSpuriousLossWidensThePacketThreshold() throws {
        var t = SentPacketTracker()
        var rtt = RTTEstimator()
        rtt.update(sample: .milliseconds(100), ackDelay: .zero, now: t0)
        send(&t, Array(0...9), at: t0)
        _ = try t.onAck(ack([5...9]), now: t0 + .milliseconds(1))
        let lost = t.detectLosses(now: t0 + .milliseconds(1), lossDelay: t.lossDelay(rtt), persistentDuration: nil, firstSampleTime: nil)
        XCTAssertEqual(lost.lost.map(\.packetNumber), [0, 1, 2, 3, 4])
        let late = try t.onAck(ack([5...9, 0...0]), now: t0 + .milliseconds(2))
        XCTAssertEqual(late.spurious.map(\.packetNumber), [0])
        XCTAssertEqual(late.acked.map(\.packetNumber), [0], "its frames count as delivered")
        XCTAssertEqual(t.packetThreshold, 10, "packet 0 was 9 packets behind the largest acknowledged")
    }

    func testPersistentCongestionNeedsLossesSpanningTheDuration() throws {
        var t = SentPacketTracker()
        var rtt = RTTEstimator()
        rtt.update(sample: .milliseconds(10), ackDelay: .zero, now: t0)
        let duration = rtt.persistentCongestionDuration()
        // (10 + max(4 × 5, 1) + 25) × 3 = 165 ms
        XCTAssertEqual(duration, .milliseconds(165))
        send(&t, [0], at: t0 + .milliseconds(1))
        send(&t, [1], at: t0 + .milliseconds(100))
        send(&t, [2], at: t0 + .milliseconds(200))
        send(&t, [3], at: t0 + .milliseconds(300))
        _ = try t.onAck(ack([3...3]), now: t0 + .milliseconds(310))
        let lost = t.detectLosses(now: t0 + .milliseconds(310), lossDelay: t.lossDelay(rtt),
                                  persistentDuration: duration, firstSampleTime: t0)
        XCTAssertEqual(lost.lost.map(\.packetNumber), [0, 1, 2])
        XCTAssertTrue(lost.persistentCongestion, "199 ms of consecutive losses > 165 ms")
    }

    // MARK: RTT (RFC 9002 §5.3)

    func testRTTBeforeAndAfterTheFirstSample() {
        var rtt = RTTEstimator()
        XCTAssertEqual(rtt.smoothed, .milliseconds(333))
        XCTAssertEqual(rtt.variation, .microseconds(166_500))
        XCTAssertEqual(rtt.probeTimeout(), .milliseconds(333) + .milliseconds(666) + .milliseconds(25))
        rtt.update(sample: .milliseconds(100), ackDelay: .milliseconds(10), now: t0)
        XCTAssertEqual(rtt.minimum, .milliseconds(100))
        XCTAssertEqual(rtt.smoothed, .milliseconds(100), "the first sample ignores the ACK delay")
        XCTAssertEqual(rtt.variation, .milliseconds(50))
    }

    func testRTTSubtractsAckDelayOnlyAboveMinRTT() {
        var rtt = RTTEstimator()
        rtt.update(sample: .milliseconds(100), ackDelay: .zero, now: t0)
        // adjusted = 120 - 20 = 100; rttvar = 3/4·50 + 1/4·|100 - 100| = 37.5; srtt = 100
        rtt.update(sample: .milliseconds(120), ackDelay: .milliseconds(20), now: t0)
        XCTAssertEqual(rtt.smoothed, .milliseconds(100))
        XCTAssertEqual(rtt.variation, .microseconds(37_500))
        // 105 < min 100 + 20: delay not subtracted; rttvar = 3/4·37.5 + 1/4·5 = 29.375;
        // srtt = 7/8·100 + 1/8·105 = 100.625
        rtt.update(sample: .milliseconds(105), ackDelay: .milliseconds(20), now: t0)
        XCTAssertEqual(rtt.smoothed, .microseconds(100_625))
        XCTAssertEqual(rtt.variation, .microseconds(29_375))
        XCTAssertEqual(rtt.latest, .milliseconds(105))
    }

    func testAckDelayIsCappedAtMaxAckDelay() {
        var rtt = RTTEstimator()
        rtt.update(sample: .milliseconds(50), ackDelay: .zero, now: t0)
        // adjusted = 200 - min(100, 25) = 175; srtt = 7/8·50 + 1/8·175 = 65.625
        rtt.update(sample: .milliseconds(200), ackDelay: .milliseconds(100), now: t0)
        XCTAssertEqual(rtt.smoothed, .microseconds(65_625))
        XCTAssertEqual(rtt.minimum, .milliseconds(50))
    }
}
