/// Something the application should react to; taken with `StreamConnection.pollEvent()`.
public enum StreamEvent: Equatable, Sendable {
    /// The peer opened a stream (its first frame arrived).
    case opened(StreamID)
    /// Bytes became readable on a stream (reported again only after a read drained it).
    case readable(StreamID)
    /// A stream whose `write` fell short has room again.
    case writable(StreamID)
    /// The application has read every byte up to the peer's FIN.
    case finished(StreamID)
    /// Every byte written and the FIN were acknowledged by the peer.
    case acknowledged(StreamID)
    /// The peer abandoned its sending half (RESET_STREAM) with this code.
    case reset(StreamID, code: UInt64)
    /// The peer asked this side to stop sending; the sending half was reset with this code.
    case stopSending(StreamID, code: UInt64)
    /// The peer allows more streams; `openStream` may succeed again.
    case streamsAvailable
    /// The connection is over; no stream can be used any more.
    case connectionClosed(CloseReason)
}

/// Why a connection closed.
public enum CloseReason: Equatable, Sendable, CustomStringConvertible {
    /// This side called `close(code:reason:)`.
    case closedLocally(code: UInt64)
    /// The peer's application closed the connection (CONNECTION_CLOSE type 0x1d).
    case closedByPeer(code: UInt64, reason: String)
    /// The peer broke the protocol; a CONNECTION_CLOSE with the error's code was sent.
    case protocolError(StreamError)
    /// The peer reported a transport error (CONNECTION_CLOSE type 0x1c).
    case peerError(TransportErrorCode, reason: String)
    /// Nothing arrived for the idle timeout.
    case idleTimeout

    public var description: String {
        switch self {
        case let .closedLocally(code): return "closed locally with code \(code)"
        case let .closedByPeer(code, reason): return "closed by peer with code \(code)" + (reason.isEmpty ? "" : ": \(reason)")
        case let .protocolError(error): return "protocol error: \(error)"
        case let .peerError(code, reason): return "peer reported \(code)" + (reason.isEmpty ? "" : ": \(reason)")
        case .idleTimeout: return "idle timeout"
        }
    }
}
