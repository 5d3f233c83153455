import MeshWire

/// NewReno congestion control as in RFC 9002 §7 and Appendix B: slow start, congestion
/// avoidance, one window reduction per recovery period, and the collapse to the minimum
/// window on persistent congestion. Sizes are in bytes of datagram payload.
public struct NewReno: Sendable, Equatable {
    public let maxDatagramSize: Int
    public private(set) var congestionWindow: Int
    public private(set) var slowStartThreshold: Int = .max
    /// Packets sent at or before this time belong to the current recovery period.
    public private(set) var recoveryStartTime: Instant?
    /// Bytes acknowledged in congestion avoidance not yet turned into window growth.
    private var bytesAckedInAvoidance = 0
    /// Window and threshold before the current recovery period's reduction, and how many of
    /// the losses behind it turned out spurious: when all did, the reduction is undone.
    private var beforeRecovery: Undo?
    private struct Undo: Equatable, Sendable { var window: Int; var threshold: Int }
    private var recoveryLosses = 0
    private var recoverySpurious = 0

    public init(maxDatagramSize: Int) {
        self.maxDatagramSize = maxDatagramSize
        congestionWindow = NewReno.initialWindow(maxDatagramSize)
    }

    /// min(10 × size, max(14720, 2 × size)) (§7.2).
    public static func initialWindow(_ size: Int) -> Int {
        min(StreamConstants.initialWindowPackets * size, max(StreamConstants.initialWindowBytesCap, 2 * size))
    }

    public var minimumWindow: Int { StreamConstants.minimumWindowPackets * maxDatagramSize }
    public var inSlowStart: Bool { congestionWindow < slowStartThreshold }

    public func inRecovery(sentAt time: Instant) -> Bool {
        guard let start = recoveryStartTime else { return false }
        return time <= start
    }

    /// Whether the sender used enough of the window for an ACK to grow it (§7.8: a sender
    /// that does not fill its window must not grow it). `bytesInFlight` is measured before
    /// the acknowledged packets were taken out.
    public func isWindowLimited(bytesInFlight: Int) -> Bool {
        if inSlowStart { return bytesInFlight * 2 >= congestionWindow }
        return bytesInFlight + 3 * maxDatagramSize >= congestionWindow
    }

    /// One acknowledged in-flight packet (§7.3.1, §7.3.3, Appendix B.5).
    public mutating func onPacketAcked(size: Int, sentAt time: Instant, windowLimited: Bool) {
        if inRecovery(sentAt: time) || !windowLimited { return }
        if inSlowStart {
            congestionWindow += size
            return
        }
        bytesAckedInAvoidance += size
        if bytesAckedInAvoidance >= congestionWindow {
            bytesAckedInAvoidance -= congestionWindow
            congestionWindow += maxDatagramSize
        }
    }

    /// Loss of `lostPackets` packets, the newest of which was sent at `time` (§7.3.2,
    /// Appendix B.6): halve the window once per recovery period.
    public mutating func onCongestionEvent(sentAt time: Instant, now: Instant, lostPackets: Int = 1) {
        if inRecovery(sentAt: time) {
            recoveryLosses += lostPackets
            return
        }
        beforeRecovery = Undo(window: congestionWindow, threshold: slowStartThreshold)
        recoveryLosses = lostPackets
        recoverySpurious = 0
        recoveryStartTime = now
        let reduced = congestionWindow * StreamConstants.lossReductionNumerator / StreamConstants.lossReductionDenominator
        slowStartThreshold = max(reduced, minimumWindow)
        congestionWindow = slowStartThreshold
        bytesAckedInAvoidance = 0
    }

    /// Packets declared lost at these times were acknowledged after all (RFC 9002 §6.1
    /// allows reacting to spurious losses). When every loss of the current recovery period
    /// was spurious, the window reduction is undone.
    public mutating func onSpuriousLosses(_ declaredAt: [Instant]) {
        guard let start = recoveryStartTime, let before = beforeRecovery else { return }
        recoverySpurious += declaredAt.filter { $0 >= start }.count
        guard recoverySpurious >= recoveryLosses else { return }
        congestionWindow = max(congestionWindow, before.window)
        slowStartThreshold = before.threshold
        beforeRecovery = nil
        recoveryStartTime = nil
    }

    /// Persistent congestion (§7.6.2): back to the minimum window.
    public mutating func onPersistentCongestion() {
        beforeRecovery = nil
        congestionWindow = minimumWindow
        recoveryStartTime = nil
        bytesAckedInAvoidance = 0
    }
}
