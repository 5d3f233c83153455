/// Everything that can go wrong in the stream layer: malformed frames (each with the byte
/// offset in the datagram payload where decoding failed) and protocol violations by the peer.
/// Every case maps to the transport error code sent in CONNECTION_CLOSE.
public enum StreamError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A frame or field ends before its declared or minimum size.
    case truncated(field: String, at: Int)
    /// A frame type this protocol does not define.
    case unknownFrameType(UInt64, at: Int)
    /// A frame type encoded in more bytes than needed (RFC 9000 §12.4).
    case nonMinimalFrameType(UInt64, at: Int)
    /// A field above its allowed maximum.
    case valueTooLarge(field: String, value: UInt64, limit: UInt64, at: Int)
    /// An ACK frame whose ranges run below packet number 0 or are otherwise impossible.
    case invalidAckRange(at: Int)
    /// An ACK frame whose ACK Range Count field allows more ranges than a decoder accepts.
    case tooManyAckRanges(UInt64, at: Int)
    /// The peer sent more data than the credit it was given.
    case flowControl(stream: StreamID?, limit: UInt64, offset: UInt64)
    /// The peer opened a stream beyond the number it was allowed.
    case streamLimit(stream: StreamID, allowed: UInt64)
    /// A frame that the stream's state does not allow (e.g. data on a stream we have not opened).
    case streamState(stream: StreamID, problem: String)
    /// Data or a reset contradicting the stream's final size.
    case finalSize(stream: StreamID, finalSize: UInt64, offset: UInt64)
    /// Out-of-order data split a stream into more pieces than a receiver holds.
    case tooFragmented(stream: StreamID, ranges: Int)
    /// An ACK for a packet number this endpoint never sent.
    case ackOfUnsentPacket(UInt64, largestSent: UInt64?)

    /// The code carried in the CONNECTION_CLOSE frame sent for this error.
    public var transportErrorCode: TransportErrorCode {
        switch self {
        case .truncated, .unknownFrameType, .valueTooLarge, .invalidAckRange, .tooManyAckRanges:
            return .frameEncodingError
        case .nonMinimalFrameType, .ackOfUnsentPacket, .tooFragmented:
            return .protocolViolation
        case .flowControl: return .flowControlError
        case .streamLimit: return .streamLimitError
        case .streamState: return .streamStateError
        case .finalSize: return .finalSizeError
        }
    }

    public var description: String {
        switch self {
        case let .truncated(field, at):
            return "frame truncated: \(field) runs past the end of the datagram at byte \(at)"
        case let .unknownFrameType(type, at):
            return "unknown frame type 0x\(String(type, radix: 16)) at byte \(at)"
        case let .nonMinimalFrameType(type, at):
            return "frame type 0x\(String(type, radix: 16)) at byte \(at) is not in its shortest encoding"
        case let .valueTooLarge(field, value, limit, at):
            return "\(field) \(value) at byte \(at) exceeds the limit \(limit)"
        case let .invalidAckRange(at):
            return "ACK frame at byte \(at) has ranges below packet number 0"
        case let .tooManyAckRanges(count, at):
            return "ACK Range Count \(count) at byte \(at) exceeds \(StreamConstants.maxDecodedAckRanges - 1)"
        case let .flowControl(stream, limit, offset):
            let scope = stream.map { "stream \($0)" } ?? "the connection"
            return "peer sent data up to offset \(offset) on \(scope), beyond its credit of \(limit)"
        case let .streamLimit(stream, allowed):
            return "peer opened stream \(stream), beyond the \(allowed) streams it may open"
        case let .streamState(stream, problem):
            return "stream \(stream): \(problem)"
        case let .finalSize(stream, finalSize, offset):
            return "stream \(stream): offset \(offset) contradicts its final size \(finalSize)"
        case let .tooFragmented(stream, ranges):
            return "stream \(stream): out-of-order data in \(ranges) pieces, more than \(StreamConstants.maxReassemblyRanges)"
        case let .ackOfUnsentPacket(pn, largest):
            let sent = largest.map { "the largest sent is \($0)" } ?? "none was sent"
            return "peer acknowledged packet \(pn), which was never sent (\(sent))"
        }
    }
}

/// Transport error codes carried by CONNECTION_CLOSE type 0x1c (RFC 9000 §20.1; same values).
public struct TransportErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let noError = TransportErrorCode(rawValue: 0x00)
    public static let internalError = TransportErrorCode(rawValue: 0x01)
    public static let flowControlError = TransportErrorCode(rawValue: 0x03)
    public static let streamLimitError = TransportErrorCode(rawValue: 0x04)
    public static let streamStateError = TransportErrorCode(rawValue: 0x05)
    public static let finalSizeError = TransportErrorCode(rawValue: 0x06)
    public static let frameEncodingError = TransportErrorCode(rawValue: 0x07)
    public static let protocolViolation = TransportErrorCode(rawValue: 0x0a)

    public var description: String {
        switch self {
        case .noError: return "NO_ERROR"
        case .internalError: return "INTERNAL_ERROR"
        case .flowControlError: return "FLOW_CONTROL_ERROR"
        case .streamLimitError: return "STREAM_LIMIT_ERROR"
        case .streamStateError: return "STREAM_STATE_ERROR"
        case .finalSizeError: return "FINAL_SIZE_ERROR"
        case .frameEncodingError: return "FRAME_ENCODING_ERROR"
        case .protocolViolation: return "PROTOCOL_VIOLATION"
        default: return "0x\(String(rawValue, radix: 16))"
        }
    }
}
