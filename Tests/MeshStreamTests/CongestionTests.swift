import MeshWire
@testable import MeshStream
import XCTest

/// NewReno (RFC 9002 §7, Appendix B) and the pacer (§7.7).
final class CongestionTests: XCTestCase {
    private let t0 = Instant(nanoseconds: 1_000_000_000)

    func testInitialAndMinimumWindows() {
        XCTAssertEqual(NewReno(maxDatagramSize: 1200).congestionWindow, 12000)
        XCTAssertEqual(NewReno(maxDatagramSize: 1452).congestionWindow, 14520)
        XCTAssertEqual(NewReno(maxDatagramSize: 1500).congestionWindow, 14720)
        XCTAssertEqual(NewReno(maxDatagramSize: 64).congestionWindow, 640)
        XCTAssertEqual(NewReno(maxDatagramSize: 1200).minimumWindow, 2400)
    }

    func testSlowStartGrowsByBytesAcknowledged() {
        var cc = NewReno(maxDatagramSize: 1200)
        cc.onPacketAcked(size: 1200, sentAt: t0, windowLimited: true)
        XCTAssertEqual(cc.congestionWindow, 13200)
        cc.onPacketAcked(size: 1200, sentAt: t0, windowLimited: false)
        XCTAssertEqual(cc.congestionWindow, 13200, "an application-limited sender does not grow the window")
    }

    func testCongestionEventHalvesOncePerRecoveryPeriod() {
        var cc = NewReno(maxDatagramSize: 1200)
        cc.onCongestionEvent(sentAt: t0, now: t0 + .milliseconds(50))
        XCTAssertEqual(cc.congestionWindow, 6000)
        XCTAssertEqual(cc.slowStartThreshold, 6000)
        cc.onCongestionEvent(sentAt: t0 + .milliseconds(10), now: t0 + .milliseconds(60))
        XCTAssertEqual(cc.congestionWindow, 6000, "a packet sent before recovery began: same period")
        cc.onPacketAcked(size: 1200, sentAt: t0 + .milliseconds(40), windowLimited: true)
        XCTAssertEqual(cc.congestionWindow, 6000, "no growth for packets sent before recovery")
        cc.onCongestionEvent(sentAt: t0 + .milliseconds(70), now: t0 + .milliseconds(120))
        XCTAssertEqual(cc.congestionWindow, 3000)
        cc.onCongestionEvent(sentAt: t0 + .milliseconds(130), now: t0 + .milliseconds(200))
        XCTAssertEqual(cc.congestionWindow, 2400, "never below the minimum window")
    }

    func testCongestionAvoidanceAddsOneDatagramPerWindow() {
        var cc = NewReno(maxDatagramSize: 1200)
        cc.onCongestionEvent(sentAt: t0, now: t0)  // cwnd = ssthresh = 6000
        let later = t0 + .milliseconds(1)
        for _ in 0..<4 { cc.onPacketAcked(size: 1200, sentAt: later, windowLimited: true) }
        XCTAssertEqual(cc.congestionWindow, 6000)
        cc.onPacketAcked(size: 1200, sentAt: later, windowLimited: true)
        XCTAssertEqual(cc.congestionWindow, 7200, "6000 bytes acknowledged: one more datagram")
    }

    func testPersistentCongestionCollapsesTheWindow() {
        var cc = NewReno(maxDatagramSize: 1200)
        cc.onPersistentCongestion()
        XCTAssertEqual(cc.congestionWindow, 2400)
    }

    func testSpuriousLossesUndoTheReduction() {
        var cc = NewReno(maxDatagramSize: 1200)
        cc.onCongestionEvent(sentAt: t0, now: t0 + .milliseconds(50), lostPackets: 2)
        XCTAssertEqual(cc.congestionWindow, 6000)
        cc.onSpuriousLosses([t0 + .milliseconds(50)])
        XCTAssertEqual(cc.congestionWindow, 6000, "one of two losses was real so far")
        cc.onSpuriousLosses([t0 + .milliseconds(50)])
        XCTAssertEqual(cc.congestionWindow, 12000)
        XCTAssertEqual(cc.slowStartThreshold, .max)
    }

    func testPacerReleasesABurstThenSpacesDatagrams() {
        var pacer = Pacer(maxDatagramSize: 1200)
        let window = 12000, rtt = Duration.milliseconds(100)
        // Rate = 1.25 × 12000 B / 0.1 s = 150 000 B/s: one datagram per 8 ms after the burst.
        var sent = 0
        while pacer.canSend(now: t0, window: window, smoothedRTT: rtt) {
            pacer.onSend(size: 1200)
            sent += 1
        }
        XCTAssertEqual(sent, StreamConstants.pacingBurstPackets)
        let release = pacer.releaseTime(now: t0, window: window, smoothedRTT: rtt)
        XCTAssertEqual(release, t0 + .milliseconds(8))
        XCTAssertFalse(pacer.canSend(now: t0 + .milliseconds(7), window: window, smoothedRTT: rtt))
        XCTAssertTrue(pacer.canSend(now: release, window: window, smoothedRTT: rtt))
    }
}
