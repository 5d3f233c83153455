/// A point on a monotonic clock, in nanoseconds since an arbitrary origin.
///
/// Cores never read a clock: every call that depends on time takes `now: Instant`. Shells
/// build instants from the system's monotonic clock; tests and the simulator from a manual
/// clock. Arithmetic uses Swift's `Duration`.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// `self + d`, saturating at the ends of the range.
    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        let n = rhs.nanoseconds
        if n >= 0 {
            let (sum, overflow) = lhs.nanoseconds.addingReportingOverflow(UInt64(n))
            return Instant(nanoseconds: overflow ? .max : sum)
        } else {
            let m = UInt64(n.magnitude)
            return Instant(nanoseconds: lhs.nanoseconds >= m ? lhs.nanoseconds - m : 0)
        }
    }

    public static func - (lhs: Instant, rhs: Duration) -> Instant { lhs + (.zero - rhs) }

    public static func += (lhs: inout Instant, rhs: Duration) { lhs = lhs + rhs }

    /// The signed duration from `rhs` to `lhs`.
    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        if lhs.nanoseconds >= rhs.nanoseconds {
            return .nanoseconds(Int64(clamping: lhs.nanoseconds - rhs.nanoseconds))
        }
        return .zero - .nanoseconds(Int64(clamping: rhs.nanoseconds - lhs.nanoseconds))
    }

    public var description: String {
        let ms = Double(nanoseconds) / 1e6
        return "t+\(ms)ms"
    }
}

extension Duration {
    /// The duration in whole nanoseconds (truncated), saturating at Int64's range.
    public var nanoseconds: Int64 {
        let (s, atto) = components
        let (fromSeconds, o1) = s.multipliedReportingOverflow(by: 1_000_000_000)
        if o1 { return s < 0 ? .min : .max }
        let (total, o2) = fromSeconds.addingReportingOverflow(atto / 1_000_000_000)
        if o2 { return s < 0 ? .min : .max }
        return total
    }

    /// The duration in seconds as a Double (for logs, RTT estimators and rates).
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
