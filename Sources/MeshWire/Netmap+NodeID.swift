extension Netmap {
    /// A node's id as the coordinator's registry assigns it: never reused, even after the
    /// node is removed. Encoded as a JSON number.
    public struct NodeID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: UInt64

        /// The id `rawValue`.
        public init(rawValue: UInt64) { self.rawValue = rawValue }

        /// The id `rawValue`.
        public init(_ rawValue: UInt64) { self.rawValue = rawValue }

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(UInt64.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(rawValue)
        }

        public static func < (a: NodeID, b: NodeID) -> Bool { a.rawValue < b.rawValue }

        /// `#12`.
        public var description: String { "#\(rawValue)" }
    }
}
