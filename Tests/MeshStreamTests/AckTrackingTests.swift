import MeshWire
@testable import MeshStream
import XCTest

/// IntervalSet and ReceivedPacketTracker: which packets arrived, and the ACK frames and
/// timing that follow (RFC 9000 §13.2).
final class AckTrackingTests: XCTestCase {
    private let t0 = Instant(nanoseconds: 1_000_000_000)

    func testIntervalSetMergesSplitsAndFindsGaps() {
        var s = IntervalSet()
        XCTAssertTrue(s.insert(10..<20))
        XCTAssertTrue(s.insert(30..<40))
        XCTAssertTrue(s.insert(20..<25))  // touches: merges
        XCTAssertEqual(s.ranges, [10..<25, 30..<40])
        XCTAssertFalse(s.insert(12..<18))  // already there
        XCTAssertTrue(s.insert(0..<100))  // swallows everything
        XCTAssertEqual(s.ranges, [0..<100])
        s.remove(40..<60)
        XCTAssertEqual(s.ranges, [0..<40, 60..<100])
        XCTAssertTrue(s.contains(39))
        XCTAssertFalse(s.contains(40))
        XCTAssertTrue(s.contains(60..<70))
        XCTAssertFalse(s.contains(30..<70))
        XCTAssertEqual(s.firstGap(in: 20..<80), 40..<60)
        XCTAssertNil(s.firstGap(in: 61..<99))
        XCTAssertEqual(s.firstGap(in: 90..<120), 100..<120)
        XCTAssertEqual(s.contiguousEnd(from: 5), 40)
        XCTAssertEqual(s.contiguousEnd(from: 50), 50)
        s.removeAll(below: 70)
        XCTAssertEqual(s.ranges, [70..<100])
    }

    func testDuplicatesAreRecognised() {
        var r = ReceivedPacketTracker()
        XCTAssertTrue(r.isNew(0))
        r.onPacket(0, ackEliciting: true, now: t0)
        XCTAssertFalse(r.isNew(0))
        r.onPacket(5, ackEliciting: true, now: t0)
        XCTAssertTrue(r.isNew(3))
        XCTAssertFalse(r.isNew(5))
    }

    func testAckFrameListsRangesHighestFirst() {
        var r = ReceivedPacketTracker()
        for pn: UInt64 in [0, 1, 2, 5, 6, 9] { r.onPacket(pn, ackEliciting: false, now: t0) }
        let ack = r.makeAck(now: t0 + .milliseconds(8), room: 1200)
        XCTAssertEqual(ack?.ranges, [9...9, 5...6, 0...2])
        // ACK Delay: 8 ms since the largest arrived, in units of 2^3 µs.
        XCTAssertEqual(ack?.ackDelay, 8000 >> 3)
        XCTAssertEqual(ack?.ackDelayDuration, .milliseconds(8))
    }

    func testAckFrameKeepsTheHighestRangesThatFit() {
        var r = ReceivedPacketTracker()
        for pn in stride(from: UInt64(0), to: 200, by: 2) { r.onPacket(pn, ackEliciting: false, now: t0) }
        let ack = r.makeAck(now: t0, room: 1200)!
        XCTAssertEqual(ack.ranges.count, StreamConstants.maxEncodedAckRanges)
        XCTAssertEqual(ack.ranges.first, 198...198)
        let small = r.makeAck(now: t0, room: 12)!
        var bytes: [UInt8] = []
        FrameCodec.encode(.ack(small), into: &bytes)
        XCTAssertLessThanOrEqual(bytes.count, 12)
        XCTAssertEqual(small.ranges.first, 198...198)
    }

    func testAcknowledgedAckStopsOldRanges() {
        var r = ReceivedPacketTracker()
        for pn: UInt64 in [0, 1, 3, 4] { r.onPacket(pn, ackEliciting: false, now: t0) }
        r.onAckAcknowledged(largest: 3)
        XCTAssertEqual(r.makeAck(now: t0, room: 100)?.ranges, [4...4])
        r.onAckAcknowledged(largest: 4)
        XCTAssertNil(r.makeAck(now: t0, room: 100))
    }

    func testAckTiming() {
        var r = ReceivedPacketTracker()
        r.onPacket(0, ackEliciting: false, now: t0)
        XCTAssertTrue(r.ackPending)
        XCTAssertNil(r.ackDeadline, "non-ack-eliciting packets never force an ACK")
        r.onPacket(1, ackEliciting: true, now: t0)
        XCTAssertEqual(r.ackDeadline, t0 + StreamConstants.maxAckDelay)
        XCTAssertFalse(r.ackDue(now: t0 + .milliseconds(24)))
        XCTAssertTrue(r.ackDue(now: t0 + .milliseconds(25)))
        r.onPacket(2, ackEliciting: true, now: t0 + .milliseconds(1))
        XCTAssertTrue(r.ackDue(now: t0 + .milliseconds(1)), "every second ack-eliciting packet is acknowledged at once")
        r.onAckSent()
        XCTAssertFalse(r.ackPending)
        r.onPacket(3, ackEliciting: true, now: t0 + .milliseconds(2))
        XCTAssertFalse(r.ackDue(now: t0 + .milliseconds(2)))
        r.onPacket(7, ackEliciting: true, now: t0 + .milliseconds(3))
        XCTAssertTrue(r.ackDue(now: t0 + .milliseconds(3)), "a gap is reported at once")
    }

    func testRangeBudgetForgetsTheOldest() {
        var r = ReceivedPacketTracker()
        let n = UInt64(StreamConstants.maxTrackedPacketRanges + 10)
        for i in 0..<n { r.onPacket(i * 2, ackEliciting: false, now: t0) }
        XCTAssertLessThanOrEqual(r.received.count, StreamConstants.maxTrackedPacketRanges)
        XCTAssertEqual(r.forgottenBelow, UInt64(StreamConstants.maxTrackedPacketRanges / 8) * 2 - 1)
        XCTAssertFalse(r.isNew(1), "below the forgotten floor counts as a duplicate")
        XCTAssertTrue(r.isNew(n * 2 - 1))
    }
}
