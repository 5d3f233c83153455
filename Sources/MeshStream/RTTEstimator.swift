import MeshWire

/// Round-trip time estimation (RFC 9002 §5): minimum, smoothed and variation, from samples
/// taken when the largest acknowledged packet is newly acknowledged.
public struct RTTEstimator: Sendable, Equatable {
    /// The most recent sample, before any ACK delay adjustment (latest_rtt).
    public private(set) var latest: Duration
    /// The lowest sample seen (min_rtt); zero before the first sample.
    public private(set) var minimum: Duration
    /// smoothed_rtt; the initial RTT before the first sample.
    public private(set) var smoothed: Duration
    /// rttvar; half the initial RTT before the first sample.
    public private(set) var variation: Duration
    /// When the first sample was taken (persistent congestion only counts later losses).
    public private(set) var firstSampleTime: Instant?

    public init(initialRTT: Duration = StreamConstants.defaultInitialRTT) {
        latest = .zero
        minimum = .zero
        smoothed = initialRTT
        variation = initialRTT / 2
    }

    public var hasSample: Bool { firstSampleTime != nil }

    /// Takes a sample (§5.3). `ackDelay` is the peer's reported delay; it is capped at
    /// `maxAckDelay` and only subtracted when that does not take the sample below min_rtt.
    public mutating func update(sample: Duration, ackDelay: Duration,
                                maxAckDelay: Duration = StreamConstants.maxAckDelay, now: Instant) {
        let sample = max(sample, .zero)
        latest = sample
        guard firstSampleTime != nil else {
            firstSampleTime = now
            minimum = sample
            smoothed = sample
            variation = sample / 2
            return
        }
        minimum = min(minimum, sample)
        let delay = min(max(ackDelay, .zero), maxAckDelay)
        var adjusted = sample
        if sample >= minimum + delay { adjusted = sample - delay }
        let deviation = smoothed > adjusted ? smoothed - adjusted : adjusted - smoothed
        variation = (variation * 3 + deviation) / 4
        smoothed = (smoothed * 7 + adjusted) / 8
    }

    /// The probe timeout before backoff (§6.2.1): smoothed + max(4 × rttvar, kGranularity)
    /// + max_ack_delay.
    public func probeTimeout(maxAckDelay: Duration = StreamConstants.maxAckDelay) -> Duration {
        smoothed + max(variation * 4, StreamConstants.granularity) + maxAckDelay
    }

    /// The span of losses that means persistent congestion (§7.6.1).
    public func persistentCongestionDuration(maxAckDelay: Duration = StreamConstants.maxAckDelay) -> Duration {
        probeTimeout(maxAckDelay: maxAckDelay) * Int(StreamConstants.persistentCongestionThreshold)
    }
}
