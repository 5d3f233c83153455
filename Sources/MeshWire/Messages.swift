/// Session-layer datagrams (docs/protocol.md, "Messages"). Every integer is
/// little-endian. Each message starts with a one-byte type and three reserved zero bytes.
///
/// Layouts, byte offsets in brackets:
///
///     HandshakeInitiation (188 bytes)
///       [0]        type = 1
///       [1..<4]    reserved, zero
///       [4..<8]    sender index
///       [8..<40]   ephemeral public key (clear)
///       [40..<88]  static public key, encrypted (32 + 16 tag)
///       [88..<156] payload, encrypted: TAI64N timestamp (12) + sender epoch (8) +
///                  sender identity key (32), + 16 tag
///       [156..<172] mac1
///       [172..<188] mac2
///
///     HandshakeResponse (100 bytes)
///       [0] type = 2, [1..<4] reserved
///       [4..<8]    sender index
///       [8..<12]   receiver index
///       [12..<44]  ephemeral public key (clear)
///       [44..<68]  payload, encrypted: sender epoch (8), + 16 tag
///       [68..<84]  mac1
///       [84..<100] mac2
///
///     CookieReply (64 bytes)
///       [0] type = 3, [1..<4] reserved
///       [4..<8]    receiver index
///       [8..<32]   nonce (24)
///       [32..<64]  cookie, encrypted (16 + 16 tag)
///
///     TransportData (32 bytes or more)
///       [0] type = 4, [1..<4] reserved
///       [4..<8]    receiver index
///       [8..<16]   counter
///       [16...]    payload, encrypted, + 16 tag
public enum MessageType: UInt8, Sendable {
    case handshakeInitiation = 1
    case handshakeResponse = 2
    case cookieReply = 3
    case transportData = 4
}

/// A session index: chosen at random by its owner, names one handshake or keypair.
public struct SessionIndex: Hashable, Sendable, CustomStringConvertible {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }
    public var description: String { "#\(value)" }
}

public enum WireSize {
    public static let tag = 16
    public static let mac = 16
    public static let key = 32
    public static let timestamp = 12
    public static let epoch = 8
    public static let identity = 32
    public static let cookieNonce = 24

    public static let initiation = 188
    public static let response = 100
    public static let cookieReply = 64
    public static let transportHeader = 16
    public static let transportMinimum = transportHeader + tag

    /// Offsets of mac1 within the handshake messages; mac2 follows mac1.
    public static let initiationMAC1 = 156
    public static let responseMAC1 = 68
}

@inline(__always)
func readU32(_ b: ArraySlice<UInt8>, _ at: Int) -> UInt32 {
    let i = b.startIndex + at
    return UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
}

@inline(__always)
func readU64(_ b: ArraySlice<UInt8>, _ at: Int) -> UInt64 {
    UInt64(readU32(b, at)) | UInt64(readU32(b, at + 4)) << 32
}

@inline(__always)
func appendU32(_ out: inout [UInt8], _ v: UInt32) {
    out.append(UInt8(truncatingIfNeeded: v)); out.append(UInt8(truncatingIfNeeded: v >> 8))
    out.append(UInt8(truncatingIfNeeded: v >> 16)); out.append(UInt8(truncatingIfNeeded: v >> 24))
}

@inline(__always)
func appendU64(_ out: inout [UInt8], _ v: UInt64) {
    appendU32(&out, UInt32(truncatingIfNeeded: v)); appendU32(&out, UInt32(truncatingIfNeeded: v >> 32))
}

/// Checks the type byte and the three reserved bytes.
func checkHeader(_ b: ArraySlice<UInt8>, _ type: MessageType, _ name: String) throws(WireError) {
    guard let t = b.first else { throw .empty }
    guard t == type.rawValue else { throw .unknownType(t) }
    let s = b.startIndex
    guard b[s + 1] == 0, b[s + 2] == 0, b[s + 3] == 0 else { throw .nonZeroReserved(message: name) }
}

func header(_ type: MessageType, capacity: Int) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(capacity)
    out += [type.rawValue, 0, 0, 0]
    return out
}

/// Reads the message type of a datagram without decoding the rest.
public func peekMessageType(_ datagram: ArraySlice<UInt8>) throws(WireError) -> MessageType {
    guard let t = datagram.first else { throw .empty }
    guard let type = MessageType(rawValue: t) else { throw .unknownType(t) }
    return type
}
