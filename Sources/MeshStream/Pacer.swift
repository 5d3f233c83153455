import MeshWire

/// Spreads ack-eliciting packets over the round trip instead of sending a window in one burst
/// (RFC 9002 §7.7). A token bucket: tokens (bytes) refill at N × cwnd / smoothed RTT with
/// N = 5/4, up to a burst of at least `pacingBurstPackets` datagrams or `pacingBurstInterval`
/// at the pacing rate, whichever is more (never more than the window).
public struct Pacer: Sendable, Equatable {
    private var tokens: Int
    private var lastRefill: Instant?
    private let datagramSize: Int

    public init(maxDatagramSize: Int) {
        datagramSize = maxDatagramSize
        tokens = StreamConstants.pacingBurstPackets * maxDatagramSize
    }

    /// Pacing rate in bytes per second.
    public static func rate(window: Int, smoothedRTT: Duration) -> Double {
        let seconds = max(smoothedRTT.seconds, 1e-6)
        return Double(window) * Double(StreamConstants.pacingGainNumerator)
            / Double(StreamConstants.pacingGainDenominator) / seconds
    }

    private func capacity(window: Int, rate: Double) -> Int {
        let timed = Int(min(rate * StreamConstants.pacingBurstInterval.seconds, Double(Int.max / 2)))
        return min(max(StreamConstants.pacingBurstPackets * datagramSize, timed), max(window, datagramSize))
    }

    private mutating func refill(now: Instant, window: Int, rate: Double) {
        let cap = capacity(window: window, rate: rate)
        if let last = lastRefill, now > last {
            let added = (now - last).seconds * rate
            tokens = Int(min(Double(tokens) + added, Double(cap)))
        }
        tokens = min(tokens, cap)
        lastRefill = max(lastRefill ?? now, now)
    }

    /// Whether a full datagram may leave now.
    public mutating func canSend(now: Instant, window: Int, smoothedRTT: Duration) -> Bool {
        refill(now: now, window: window, rate: Pacer.rate(window: window, smoothedRTT: smoothedRTT))
        return tokens >= datagramSize
    }

    /// When enough tokens for a full datagram will have accumulated.
    public func releaseTime(now: Instant, window: Int, smoothedRTT: Duration) -> Instant {
        let missing = datagramSize - tokens
        if missing <= 0 { return now }
        let rate = Pacer.rate(window: window, smoothedRTT: smoothedRTT)
        let nanos = (Double(missing) / rate * 1e9).rounded(.up)
        return now + .nanoseconds(Int64(min(nanos, 1e12)))
    }

    /// Takes the tokens for a datagram of `size` bytes that was just sent.
    public mutating func onSend(size: Int) {
        tokens = max(tokens - size, -datagramSize)
    }
}
