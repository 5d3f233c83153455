import Foundation
import MeshWire

/// The clocks a session shell reads: a monotonic `Instant` for durations (what the filter
/// core takes as `now`) and the wall clock for audit times. Tests pass manual ones.
public struct SessionClock: Sendable {
    /// The monotonic now.
    public var now: @Sendable () -> Instant
    /// The wall-clock now.
    public var wallTime: @Sendable () -> Date

    /// A clock from its two readings.
    public init(now: @escaping @Sendable () -> Instant, wallTime: @escaping @Sendable () -> Date) {
        self.now = now
        self.wallTime = wallTime
    }

    /// The system's clocks: monotonic time since this clock was made, and `Date()`.
    public static func system() -> SessionClock {
        let origin = ContinuousClock.now
        return SessionClock(now: { Instant(nanoseconds: UInt64(max(0, (ContinuousClock.now - origin).nanoseconds))) },
                            wallTime: { Date() })
    }
}
