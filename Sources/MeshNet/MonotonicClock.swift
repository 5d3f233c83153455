import MeshWire
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The only place the UDP shell reads clocks. `Instant`s are NIO's monotonic uptime in
/// nanoseconds, so an instant converts to a timer deadline (`NIODeadline`) with no offset.
struct MonotonicClock: Sendable {
    /// Now, on the monotonic clock.
    @inline(__always)
    func now() -> Instant { Instant(nanoseconds: NIODeadline.now().uptimeNanoseconds) }

    /// The NIO deadline of `instant`.
    @inline(__always)
    func deadline(_ instant: Instant) -> NIODeadline { .uptimeNanoseconds(instant.nanoseconds) }

    /// Unix time in nanoseconds at monotonic `Instant.zero`: the wall clock minus the
    /// monotonic reading, taken once at start (`SessionConfig.wallClockAtZero`).
    func wallClockAtZero() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let wall = UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
        let mono = now().nanoseconds
        return wall >= mono ? wall - mono : 0
    }
}
