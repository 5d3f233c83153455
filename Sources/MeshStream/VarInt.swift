/// QUIC variable-length integers (RFC 9000 §16): the two high bits of the first byte give the
/// length (00 → 1, 01 → 2, 10 → 4, 11 → 8 bytes), the remaining bits the value, big-endian.
/// Values up to 2^62 - 1.
public enum VarInt {
    /// Bytes needed to encode `value` in its shortest form (values above 2^62 - 1 cannot be
    /// encoded; callers check with `StreamConstants.maxVarInt`).
    @inline(__always)
    public static func length(of value: UInt64) -> Int {
        if value < 1 << 6 { return 1 }
        if value < 1 << 14 { return 2 }
        if value < 1 << 30 { return 4 }
        return 8
    }

    /// Appends the shortest encoding of `value`. `value` must not exceed 2^62 - 1 (the
    /// encoders only produce values they have bounded; larger is a programming error).
    @inline(__always)
    public static func encode(_ value: UInt64, into out: inout [UInt8]) {
        precondition(value <= StreamConstants.maxVarInt, "varint out of range")
        switch length(of: value) {
        case 1:
            out.append(UInt8(value))
        case 2:
            out.append(UInt8(value >> 8) | 0x40)
            out.append(UInt8(truncatingIfNeeded: value))
        case 4:
            out.append(UInt8(value >> 24) | 0x80)
            out.append(UInt8(truncatingIfNeeded: value >> 16))
            out.append(UInt8(truncatingIfNeeded: value >> 8))
            out.append(UInt8(truncatingIfNeeded: value))
        default:
            out.append(UInt8(value >> 56) | 0xc0)
            for shift in stride(from: 48, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            }
        }
    }
}

/// Reads fields from a datagram payload, throwing `StreamError` instead of running past the
/// end. `position` is the byte offset reported in errors.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var position: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
    }

    var remaining: Int { bytes.count - position }
    var isAtEnd: Bool { position >= bytes.count }

    /// Reads a varint; `field` names it in the error.
    @inline(__always)
    mutating func readVarInt(_ field: String) throws(StreamError) -> UInt64 {
        guard position < bytes.count else { throw .truncated(field: field, at: position) }
        let first = bytes[position]
        let length = 1 << Int(first >> 6)
        guard length <= bytes.count - position else { throw .truncated(field: field, at: position) }
        var value = UInt64(first & 0x3f)
        var i = position + 1
        let end = position + length
        while i < end {
            value = value << 8 | UInt64(bytes[i])
            i += 1
        }
        position = end
        return value
    }

    /// Reads a frame type and rejects non-minimal encodings (RFC 9000 §12.4).
    mutating func readFrameType() throws(StreamError) -> UInt64 {
        let start = position
        let value = try readVarInt("frame type")
        if position - start != VarInt.length(of: value) {
            throw .nonMinimalFrameType(value, at: start)
        }
        return value
    }

    /// Reads `count` bytes. The count is checked against what remains before anything is
    /// taken, so a hostile length never drives an allocation.
    mutating func readBytes(_ count: UInt64, _ field: String) throws(StreamError) -> ArraySlice<UInt8> {
        guard count <= UInt64(remaining) else { throw .truncated(field: field, at: position) }
        let n = Int(count)
        defer { position += n }
        return bytes[position..<(position + n)]
    }

    /// Skips a run of zero bytes (PADDING) and returns how many there were.
    mutating func skipZeros() -> Int {
        let start = position
        while position < bytes.count, bytes[position] == 0 { position += 1 }
        return position - start
    }
}
