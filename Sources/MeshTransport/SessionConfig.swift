/// Tunables of the sessions core. Protocol constants live in `SessionConstants`; these are
/// the knobs a deployment or a test may turn.
public struct SessionConfig: Sendable {
    /// Handshake messages per `underLoadWindow` above which mac2 is demanded.
    public var underLoadThreshold: Int
    /// Unix time in nanoseconds at monotonic `Instant.zero`: initiation timestamps are
    /// `wallClockAtZero + now`, so they increase even if the wall clock steps back.
    public var wallClockAtZero: UInt64

    public init(underLoadThreshold: Int = SessionConstants.underLoadHandshakeThreshold, wallClockAtZero: UInt64) {
        self.underLoadThreshold = underLoadThreshold
        self.wallClockAtZero = wallClockAtZero
    }
}
