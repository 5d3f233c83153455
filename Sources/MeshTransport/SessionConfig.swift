/// Tunables of the sessions core. Protocol constants live in `SessionConstants`; these are
/// the knobs a deployment or a test may turn.
public struct SessionConfig: Sendable {
    /// Who may complete a handshake as responder.
    public enum Admission: Sendable, Equatable {
        /// Only peers the caller added (every node: the netmap's peers).
        case allowedPeersOnly
        /// Also any initiator not yet known, up to this many at once (a coordinator taking
        /// joins, a `debug perf` server). The caller sees them in `.handshakeCompleted`
        /// and removes those it does not want with `removePeer`.
        case any(maxAdmitted: Int)
    }

    public var admission: Admission
    /// Handshake messages per `underLoadWindow` above which mac2 is demanded.
    public var underLoadThreshold: Int
    /// Unix time in nanoseconds at monotonic `Instant.zero`: initiation timestamps are
    /// `wallClockAtZero + now`, so they increase even if the wall clock steps back.
    public var wallClockAtZero: UInt64

    public init(underLoadThreshold: Int = SessionConstants.underLoadHandshakeThreshold, wallClockAtZero: UInt64,
                admission: Admission = .allowedPeersOnly) {
        self.admission = admission
        self.underLoadThreshold = underLoadThreshold
        self.wallClockAtZero = wallClockAtZero
    }
}
