import MeshWire

/// How the simulated network mistreats datagrams. Every effect is drawn from the network's
/// seeded generator, so a seed reproduces a run exactly.
public struct SimConditions: Sendable, CustomStringConvertible {
    /// Probability that a datagram is lost.
    public var loss: Double
    /// Probability that a datagram is delivered twice (each copy with its own delay).
    public var duplication: Double
    /// Base one-way delay.
    public var delay: Duration
    /// Uniform extra delay in 0...jitter, drawn per datagram; jitter larger than the gap
    /// between datagrams reorders them.
    public var jitter: Duration
    /// Probability that a datagram gets one byte flipped in transit (it must then fail
    /// authentication at the receiver).
    public var corruption: Double
    /// Time ranges during which every datagram is dropped.
    public var partitions: [Range<Instant>]

    public init(loss: Double = 0, duplication: Double = 0, delay: Duration = .milliseconds(1),
                jitter: Duration = .zero, corruption: Double = 0, partitions: [Range<Instant>] = []) {
        self.loss = loss
        self.duplication = duplication
        self.delay = delay
        self.jitter = jitter
        self.corruption = corruption
        self.partitions = partitions
    }

    public static let perfect = SimConditions()

    /// Random conditions for seed sweeps: loss up to `maxLoss`, duplication up to 10 %,
    /// 1–50 ms delay with jitter up to 50 ms, corruption up to `maxCorruption`, and one
    /// partition of 0.5 s up to `maxPartition` starting in the first `horizon`.
    public static func random(using rng: inout SimRandom, maxLoss: Double = 0.2,
                              horizon: Duration = .seconds(30), maxPartition: Duration = .seconds(5),
                              maxCorruption: Double = 0) -> SimConditions {
        let loss = Double(rng.next() % 1001) / 1000 * maxLoss
        let dup = Double(rng.next() % 101) / 1000
        let delay = Duration.milliseconds(Int64(1 + rng.next() % 50))
        let jitter = Duration.milliseconds(Int64(rng.next() % 51))
        let start = Instant.zero + .milliseconds(Int64(rng.next() % UInt64(max(1, horizon.nanoseconds / 1_000_000))))
        let maxExtraMs = UInt64(max(0, maxPartition.nanoseconds / 1_000_000 - 500))
        let length = Duration.milliseconds(Int64(500 + rng.next() % (maxExtraMs + 1)))
        let corruption = Double(rng.next() % 1001) / 1000 * maxCorruption
        return SimConditions(loss: loss, duplication: dup, delay: delay, jitter: jitter, corruption: corruption,
                             partitions: [start..<(start + length)])
    }

    public var description: String {
        let parts = partitions.map { "\($0.lowerBound)..<\($0.upperBound)" }.joined(separator: ",")
        return "loss=\(loss) dup=\(duplication) delay=\(delay) jitter=\(jitter) corrupt=\(corruption) partitions=[\(parts)]"
    }
}
