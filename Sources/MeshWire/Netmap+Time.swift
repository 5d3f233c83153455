import Foundation

extension Netmap {
    /// A wall-clock instant in a netmap: whole milliseconds since the Unix epoch (UTC),
    /// encoded as a JSON integer. Netmap expiry is a wall-clock matter (a node restarted a
    /// day later must see its netmap as expired), so this is not a monotonic `Instant`.
    public struct Time: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
        /// Milliseconds since 1970-01-01T00:00:00Z.
        public var unixMilliseconds: Int64

        /// The instant `unixMilliseconds` after the Unix epoch.
        public init(unixMilliseconds: Int64) { self.unixMilliseconds = unixMilliseconds }

        /// `date`, truncated to whole milliseconds.
        public init(_ date: Date) {
            let ms = (date.timeIntervalSince1970 * 1000).rounded(.down)
            unixMilliseconds = Int64(exactly: ms) ?? (ms < 0 ? .min : .max)
        }

        /// The same instant as a `Date`.
        public var date: Date { Date(timeIntervalSince1970: Double(unixMilliseconds) / 1000) }

        public init(from decoder: any Decoder) throws {
            unixMilliseconds = try decoder.singleValueContainer().decode(Int64.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(unixMilliseconds)
        }

        /// `lhs + rhs`, in whole milliseconds, saturating at the ends of the range.
        public static func + (lhs: Time, rhs: Duration) -> Time {
            let ms = rhs.components.seconds.multipliedReportingOverflow(by: 1000)
            let extra = rhs.components.attoseconds / 1_000_000_000_000_000
            guard !ms.overflow else { return Time(unixMilliseconds: rhs < .zero ? .min : .max) }
            let total = ms.partialValue.addingReportingOverflow(extra)
            guard !total.overflow else { return Time(unixMilliseconds: rhs < .zero ? .min : .max) }
            let sum = lhs.unixMilliseconds.addingReportingOverflow(total.partialValue)
            guard !sum.overflow else { return Time(unixMilliseconds: total.partialValue < 0 ? .min : .max) }
            return Time(unixMilliseconds: sum.partialValue)
        }

        /// `lhs - rhs`, saturating.
        public static func - (lhs: Time, rhs: Duration) -> Time { lhs + (.zero - rhs) }

        /// The duration from `rhs` to `lhs` (negative when `lhs` is earlier).
        public static func - (lhs: Time, rhs: Time) -> Duration {
            let d = lhs.unixMilliseconds.subtractingReportingOverflow(rhs.unixMilliseconds)
            if d.overflow { return lhs < rhs ? .milliseconds(Int64.min) : .milliseconds(Int64.max) }
            return .milliseconds(d.partialValue)
        }

        public static func < (a: Time, b: Time) -> Bool { a.unixMilliseconds < b.unixMilliseconds }

        /// ISO 8601 in UTC with milliseconds, e.g. `2026-01-02T03:04:05.678Z`.
        public var description: String {
            let seconds = unixMilliseconds.dividedRoundingDown(by: 1000)
            let ms = unixMilliseconds - seconds * 1000
            let base = Date(timeIntervalSince1970: Double(seconds)).ISO8601Format()  // ends in "Z"
            let padded = String(ms + 1000).dropFirst()
            return String(base.dropLast()) + "." + padded + "Z"
        }
    }
}

extension Int64 {
    fileprivate func dividedRoundingDown(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
