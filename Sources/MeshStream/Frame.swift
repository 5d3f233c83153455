/// The frames carried in a datagram payload (RFC 9000 §19 layouts and type numbers; only the
/// types listed here exist in mcpmesh). Encoding and decoding live in `FrameCodec`.
public enum Frame: Equatable, Sendable {
    /// A run of `count` zero bytes (type 0x00); ignored.
    case padding(count: Int)
    /// Type 0x01: asks for an acknowledgement; keeps an idle connection alive.
    case ping
    /// Type 0x02.
    case ack(AckFrame)
    /// Type 0x04: the sender abandons its sending side of a stream.
    case resetStream(id: StreamID, errorCode: UInt64, finalSize: UInt64)
    /// Type 0x05: the sender asks its peer to stop sending on a stream.
    case stopSending(id: StreamID, errorCode: UInt64)
    /// Types 0x08–0x0f.
    case stream(StreamFrame)
    /// Type 0x10: connection-wide credit, as an absolute byte count.
    case maxData(UInt64)
    /// Type 0x11: stream credit, as an absolute offset.
    case maxStreamData(id: StreamID, maximum: UInt64)
    /// Type 0x12: the cumulative number of bidirectional streams the peer may open.
    case maxStreams(UInt64)
    /// Type 0x14: the sender has data but no connection credit beyond `limit`.
    case dataBlocked(limit: UInt64)
    /// Type 0x15: the sender has data but no stream credit beyond `limit`.
    case streamDataBlocked(id: StreamID, limit: UInt64)
    /// Type 0x16: the sender wants to open a stream but may open no more than `limit`.
    case streamsBlocked(limit: UInt64)
    /// Types 0x1c (transport error) and 0x1d (application close).
    case connectionClose(ConnectionCloseFrame)

    /// Whether a packet holding this frame must be acknowledged (RFC 9002 §2).
    public var isAckEliciting: Bool {
        switch self {
        case .padding, .ack, .connectionClose: return false
        case .ping, .resetStream, .stopSending, .stream, .maxData, .maxStreamData, .maxStreams,
             .dataBlocked, .streamDataBlocked, .streamsBlocked:
            return true
        }
    }
}

/// An ACK frame: the packet numbers received, as disjoint closed ranges in descending order.
public struct AckFrame: Equatable, Sendable {
    /// Ranges of acknowledged packet numbers, highest first, not touching (gap ≥ 1).
    /// `ranges[0].upperBound` is the Largest Acknowledged field.
    public var ranges: [ClosedRange<UInt64>]
    /// The ACK Delay field as sent: microseconds >> ackDelayExponent.
    public var ackDelay: UInt64

    public init(ranges: [ClosedRange<UInt64>], ackDelay: UInt64) {
        precondition(!ranges.isEmpty, "an ACK frame acknowledges at least one packet")
        self.ranges = ranges
        self.ackDelay = ackDelay
    }

    public var largest: UInt64 { ranges[0].upperBound }

    /// The ACK Delay field as a duration.
    public var ackDelayDuration: Duration {
        let micros = ackDelay > UInt64(Int64.max) >> StreamConstants.ackDelayExponent
            ? UInt64(Int64.max) : ackDelay << StreamConstants.ackDelayExponent
        return .microseconds(Int64(clamping: micros))
    }

    public func contains(_ packetNumber: UInt64) -> Bool {
        ranges.contains { $0.contains(packetNumber) }
    }
}

/// A STREAM frame. `data` is a slice of the decoded datagram (no copy).
public struct StreamFrame: Equatable, Sendable {
    public var id: StreamID
    public var offset: UInt64
    public var data: ArraySlice<UInt8>
    public var fin: Bool

    public init(id: StreamID, offset: UInt64, data: ArraySlice<UInt8>, fin: Bool) {
        self.id = id
        self.offset = offset
        self.data = data
        self.fin = fin
    }

    /// The offset one past the last byte carried.
    public var end: UInt64 { offset + UInt64(data.count) }
}

/// A CONNECTION_CLOSE frame.
public struct ConnectionCloseFrame: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Type 0x1c: a transport error, with the type of the frame that caused it (0 if none).
        case transport(frameType: UInt64)
        /// Type 0x1d: the application closed the connection.
        case application
    }

    public var kind: Kind
    public var errorCode: UInt64
    /// Reason phrase: UTF-8 for people, never interpreted.
    public var reason: [UInt8]

    public init(kind: Kind, errorCode: UInt64, reason: [UInt8] = []) {
        self.kind = kind
        self.errorCode = errorCode
        self.reason = reason
    }

    public var reasonText: String { String(decoding: reason, as: UTF8.self) }
}

/// Frame type numbers (RFC 9000 §12.4, Table 3).
public enum FrameType {
    public static let padding: UInt64 = 0x00
    public static let ping: UInt64 = 0x01
    public static let ack: UInt64 = 0x02
    public static let resetStream: UInt64 = 0x04
    public static let stopSending: UInt64 = 0x05
    /// STREAM is 0x08 | OFF (0x04) | LEN (0x02) | FIN (0x01).
    public static let stream: UInt64 = 0x08
    public static let streamOffBit: UInt64 = 0x04
    public static let streamLenBit: UInt64 = 0x02
    public static let streamFinBit: UInt64 = 0x01
    public static let maxData: UInt64 = 0x10
    public static let maxStreamData: UInt64 = 0x11
    public static let maxStreams: UInt64 = 0x12
    public static let dataBlocked: UInt64 = 0x14
    public static let streamDataBlocked: UInt64 = 0x15
    public static let streamsBlocked: UInt64 = 0x16
    public static let connectionCloseTransport: UInt64 = 0x1c
    public static let connectionCloseApplication: UInt64 = 0x1d
}
