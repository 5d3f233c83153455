/// A TAI64N-style timestamp (12 bytes, big-endian): 8 bytes of 2^62 + Unix seconds, then
/// 4 bytes of nanoseconds. Big-endian so that byte-wise comparison orders timestamps.
/// Carried encrypted in every handshake initiation against replayed initiations.
public struct Timestamp: Comparable, Hashable, Sendable {
    public var seconds: UInt64
    public var nanoseconds: UInt32

    public static let zero = Timestamp(seconds: 0, nanoseconds: 0)
    static let taiBase: UInt64 = 0x4000_0000_0000_0000

    public init(seconds: UInt64, nanoseconds: UInt32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// From Unix time in nanoseconds, with the nanoseconds rounded down to a multiple of
    /// 2^24 (about 16.8 ms) so the exact time of the handshake does not leak.
    public init(unixNanoseconds: UInt64) {
        seconds = unixNanoseconds / 1_000_000_000
        let ns = UInt32(unixNanoseconds % 1_000_000_000)
        nanoseconds = ns & ~UInt32(0x00FF_FFFF)
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 12 else { return nil }
        var s: UInt64 = 0
        for i in 0..<8 { s = s << 8 | UInt64(bytes[i]) }
        var n: UInt32 = 0
        for i in 8..<12 { n = n << 8 | UInt32(bytes[i]) }
        guard s >= Self.taiBase, n < 1_000_000_000 else { return nil }
        seconds = s - Self.taiBase
        nanoseconds = n
    }

    public var bytes: [UInt8] {
        let s = seconds &+ Self.taiBase
        var out = [UInt8]()
        out.reserveCapacity(12)
        for i in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: s >> (8 * UInt64(i)))) }
        for i in (0..<4).reversed() { out.append(UInt8(truncatingIfNeeded: nanoseconds >> (8 * UInt32(i)))) }
        return out
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds) }
}
