/// Encodes and decodes frames (layouts in docs/protocol.md Part II, after RFC 9000 §19). Decoding
/// rejects every malformed input with a `StreamError` naming the byte offset; no length field
/// drives an allocation before it is checked against the bytes that remain.
public enum FrameCodec {
    // MARK: Decoding

    /// Decodes a whole datagram payload. Runs of PADDING collapse into one `.padding` frame.
    public static func decodeFrames(_ bytes: [UInt8]) throws(StreamError) -> [Frame] {
        var reader = ByteReader(bytes)
        var frames: [Frame] = []
        while !reader.isAtEnd {
            frames.append(try decodeFrame(&reader))
        }
        return frames
    }

    static func decodeFrame(_ r: inout ByteReader) throws(StreamError) -> Frame {
        let start = r.position
        let type = try r.readFrameType()
        switch type {
        case FrameType.padding:
            return .padding(count: 1 + r.skipZeros())
        case FrameType.ping:
            return .ping
        case FrameType.ack:
            return .ack(try decodeAck(&r, start: start))
        case FrameType.resetStream:
            let id = StreamID(rawValue: try r.readVarInt("RESET_STREAM stream id"))
            let code = try r.readVarInt("RESET_STREAM error code")
            let finalSize = try r.readVarInt("RESET_STREAM final size")
            return .resetStream(id: id, errorCode: code, finalSize: finalSize)
        case FrameType.stopSending:
            let id = StreamID(rawValue: try r.readVarInt("STOP_SENDING stream id"))
            return .stopSending(id: id, errorCode: try r.readVarInt("STOP_SENDING error code"))
        case FrameType.stream...(FrameType.stream | 0x07):
            return .stream(try decodeStream(&r, type: type, start: start))
        case FrameType.maxData:
            return .maxData(try r.readVarInt("MAX_DATA maximum"))
        case FrameType.maxStreamData:
            let id = StreamID(rawValue: try r.readVarInt("MAX_STREAM_DATA stream id"))
            return .maxStreamData(id: id, maximum: try r.readVarInt("MAX_STREAM_DATA maximum"))
        case FrameType.maxStreams:
            return .maxStreams(try readStreamCount(&r, "MAX_STREAMS maximum"))
        case FrameType.dataBlocked:
            return .dataBlocked(limit: try r.readVarInt("DATA_BLOCKED limit"))
        case FrameType.streamDataBlocked:
            let id = StreamID(rawValue: try r.readVarInt("STREAM_DATA_BLOCKED stream id"))
            return .streamDataBlocked(id: id, limit: try r.readVarInt("STREAM_DATA_BLOCKED limit"))
        case FrameType.streamsBlocked:
            return .streamsBlocked(limit: try readStreamCount(&r, "STREAMS_BLOCKED limit"))
        case FrameType.connectionCloseTransport, FrameType.connectionCloseApplication:
            let code = try r.readVarInt("CONNECTION_CLOSE error code")
            var kind = ConnectionCloseFrame.Kind.application
            if type == FrameType.connectionCloseTransport {
                kind = .transport(frameType: try r.readVarInt("CONNECTION_CLOSE frame type"))
            }
            let length = try r.readVarInt("CONNECTION_CLOSE reason length")
            let reason = try r.readBytes(length, "CONNECTION_CLOSE reason phrase")
            return .connectionClose(ConnectionCloseFrame(kind: kind, errorCode: code, reason: Array(reason)))
        default:
            throw .unknownFrameType(type, at: start)
        }
    }

    private static func readStreamCount(_ r: inout ByteReader, _ field: String) throws(StreamError) -> UInt64 {
        let at = r.position
        let value = try r.readVarInt(field)
        guard value <= StreamConstants.maxStreamCount else {
            throw .valueTooLarge(field: field, value: value, limit: StreamConstants.maxStreamCount, at: at)
        }
        return value
    }

    private static func decodeStream(_ r: inout ByteReader, type: UInt64, start: Int) throws(StreamError) -> StreamFrame {
        let id = StreamID(rawValue: try r.readVarInt("STREAM stream id"))
        let offset = type & FrameType.streamOffBit != 0 ? try r.readVarInt("STREAM offset") : 0
        let data: ArraySlice<UInt8>
        if type & FrameType.streamLenBit != 0 {
            let length = try r.readVarInt("STREAM length")
            data = try r.readBytes(length, "STREAM data")
        } else {
            data = try r.readBytes(UInt64(r.remaining), "STREAM data")
        }
        let end = offset + UInt64(data.count)  // both < 2^62: cannot overflow
        guard end <= StreamConstants.maxStreamOffset else {
            throw .valueTooLarge(field: "STREAM offset + length", value: end,
                                 limit: StreamConstants.maxStreamOffset, at: start)
        }
        return StreamFrame(id: id, offset: offset, data: data, fin: type & FrameType.streamFinBit != 0)
    }

    private static func decodeAck(_ r: inout ByteReader, start: Int) throws(StreamError) -> AckFrame {
        let largest = try r.readVarInt("ACK largest acknowledged")
        let delay = try r.readVarInt("ACK delay")
        let countAt = r.position
        let pairs = try r.readVarInt("ACK range count")
        guard pairs < UInt64(StreamConstants.maxDecodedAckRanges) else {
            throw .tooManyAckRanges(pairs, at: countAt)
        }
        // Each Gap/Length pair takes at least two bytes, and First ACK Range one more.
        guard pairs * 2 + 1 <= UInt64(r.remaining) else {
            throw .truncated(field: "ACK ranges", at: r.position)
        }
        let first = try r.readVarInt("ACK first range")
        guard first <= largest else { throw .invalidAckRange(at: start) }
        var ranges: [ClosedRange<UInt64>] = []
        ranges.reserveCapacity(Int(pairs) + 1)
        var smallest = largest - first
        ranges.append(smallest...largest)
        for _ in 0..<pairs {
            let gap = try r.readVarInt("ACK gap")
            let length = try r.readVarInt("ACK range length")
            // The next range's largest is smallest - gap - 2 (RFC 9000 §19.3.1).
            guard smallest >= gap + 2 else { throw .invalidAckRange(at: start) }
            let high = smallest - gap - 2
            guard length <= high else { throw .invalidAckRange(at: start) }
            smallest = high - length
            ranges.append(smallest...high)
        }
        return AckFrame(ranges: ranges, ackDelay: delay)
    }

    // MARK: Encoding

    /// Appends the encoding of `frame`. Frames must hold encodable values (varints below
    /// 2^62, ACK ranges descending with gaps); the connection only builds such frames.
    public static func encode(_ frame: Frame, into out: inout [UInt8]) {
        switch frame {
        case let .padding(count):
            out.append(contentsOf: repeatElement(0, count: count))
        case .ping:
            VarInt.encode(FrameType.ping, into: &out)
        case let .ack(ack):
            encodeAck(ack, into: &out)
        case let .resetStream(id, code, finalSize):
            VarInt.encode(FrameType.resetStream, into: &out)
            VarInt.encode(id.rawValue, into: &out)
            VarInt.encode(code, into: &out)
            VarInt.encode(finalSize, into: &out)
        case let .stopSending(id, code):
            VarInt.encode(FrameType.stopSending, into: &out)
            VarInt.encode(id.rawValue, into: &out)
            VarInt.encode(code, into: &out)
        case let .stream(s):
            encodeStreamHeader(id: s.id, offset: s.offset, length: s.data.count, fin: s.fin, into: &out)
            out.append(contentsOf: s.data)
        case let .maxData(value):
            encodeTypeAndValue(FrameType.maxData, value, into: &out)
        case let .maxStreamData(id, maximum):
            VarInt.encode(FrameType.maxStreamData, into: &out)
            VarInt.encode(id.rawValue, into: &out)
            VarInt.encode(maximum, into: &out)
        case let .maxStreams(value):
            encodeTypeAndValue(FrameType.maxStreams, value, into: &out)
        case let .dataBlocked(limit):
            encodeTypeAndValue(FrameType.dataBlocked, limit, into: &out)
        case let .streamDataBlocked(id, limit):
            VarInt.encode(FrameType.streamDataBlocked, into: &out)
            VarInt.encode(id.rawValue, into: &out)
            VarInt.encode(limit, into: &out)
        case let .streamsBlocked(limit):
            encodeTypeAndValue(FrameType.streamsBlocked, limit, into: &out)
        case let .connectionClose(close):
            switch close.kind {
            case let .transport(frameType):
                VarInt.encode(FrameType.connectionCloseTransport, into: &out)
                VarInt.encode(close.errorCode, into: &out)
                VarInt.encode(frameType, into: &out)
            case .application:
                VarInt.encode(FrameType.connectionCloseApplication, into: &out)
                VarInt.encode(close.errorCode, into: &out)
            }
            VarInt.encode(UInt64(close.reason.count), into: &out)
            out.append(contentsOf: close.reason)
        }
    }

    /// The encoded size of `frame`, without encoding it.
    public static func encodedLength(_ frame: Frame) -> Int {
        var scratch: [UInt8] = []
        if case let .stream(s) = frame {
            return streamHeaderLength(id: s.id, offset: s.offset, length: s.data.count) + s.data.count
        }
        encode(frame, into: &scratch)
        return scratch.count
    }

    private static func encodeTypeAndValue(_ type: UInt64, _ value: UInt64, into out: inout [UInt8]) {
        VarInt.encode(type, into: &out)
        VarInt.encode(value, into: &out)
    }

    /// STREAM frame header, always with the LEN bit; OFF only when the offset is not 0.
    static func encodeStreamHeader(id: StreamID, offset: UInt64, length: Int, fin: Bool, into out: inout [UInt8]) {
        var type = FrameType.stream | FrameType.streamLenBit
        if offset > 0 { type |= FrameType.streamOffBit }
        if fin { type |= FrameType.streamFinBit }
        VarInt.encode(type, into: &out)
        VarInt.encode(id.rawValue, into: &out)
        if offset > 0 { VarInt.encode(offset, into: &out) }
        VarInt.encode(UInt64(length), into: &out)
    }

    static func streamHeaderLength(id: StreamID, offset: UInt64, length: Int) -> Int {
        1 + VarInt.length(of: id.rawValue) + (offset > 0 ? VarInt.length(of: offset) : 0)
            + VarInt.length(of: UInt64(length))
    }

    static func encodeAck(_ ack: AckFrame, into out: inout [UInt8]) {
        VarInt.encode(FrameType.ack, into: &out)
        VarInt.encode(ack.largest, into: &out)
        VarInt.encode(ack.ackDelay, into: &out)
        VarInt.encode(UInt64(ack.ranges.count - 1), into: &out)
        VarInt.encode(ack.ranges[0].upperBound - ack.ranges[0].lowerBound, into: &out)
        var previousSmallest = ack.ranges[0].lowerBound
        for range in ack.ranges.dropFirst() {
            precondition(range.upperBound + 2 <= previousSmallest, "ACK ranges must descend with gaps")
            VarInt.encode(previousSmallest - range.upperBound - 2, into: &out)
            VarInt.encode(range.upperBound - range.lowerBound, into: &out)
            previousSmallest = range.lowerBound
        }
    }
}
