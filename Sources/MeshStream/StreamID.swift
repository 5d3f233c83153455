/// Which end of the session a connection is; decides the parity of the streams it opens.
public enum ConnectionRole: Sendable, Hashable {
    /// The end that started the session's handshake; opens streams 0, 4, 8, …
    case initiator
    /// The other end; opens streams 1, 5, 9, …
    case responder

    public var peer: ConnectionRole {
        switch self {
        case .initiator: return .responder
        case .responder: return .initiator
        }
    }
}

/// A stream identifier, laid out as in RFC 9000 §2.1: bit 0 is the opener (0 = initiator,
/// 1 = responder), bit 1 the direction (0 = bidirectional; mcpmesh opens only bidirectional
/// streams, so a frame naming a unidirectional stream is a STREAM_STATE_ERROR), and the
/// bits above are the stream's index among those its opener has opened.
public struct StreamID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The `index`th bidirectional stream opened by `opener`.
    public init(index: UInt64, opener: ConnectionRole) {
        rawValue = index << 2 | (opener == .initiator ? 0 : 1)
    }

    public var opener: ConnectionRole { rawValue & 1 == 0 ? .initiator : .responder }
    public var isBidirectional: Bool { rawValue & 2 == 0 }
    /// Position among the streams of the same opener and direction.
    public var index: UInt64 { rawValue >> 2 }

    public static func < (a: StreamID, b: StreamID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}
