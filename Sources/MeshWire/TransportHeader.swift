/// The clear header of a transport data message (type 4): receiver index and counter.
/// The encrypted payload and tag follow it; see `Messages.swift`.
public struct TransportHeader: Equatable, Sendable {
    public var receiver: SessionIndex
    public var counter: UInt64

    public init(receiver: SessionIndex, counter: UInt64) {
        self.receiver = receiver
        self.counter = counter
    }

    /// Decodes the header of a whole transport datagram, checking its minimum length.
    public init(decoding b: ArraySlice<UInt8>) throws(WireError) {
        guard b.count >= WireSize.transportMinimum else {
            throw .tooShort(message: "transport data", minimum: WireSize.transportMinimum, got: b.count)
        }
        try checkHeader(b, .transportData, "transport data")
        receiver = SessionIndex(readU32(b, 4))
        counter = readU64(b, 8)
    }

    /// Writes the 16 header bytes into `out` (which must hold at least 16 bytes).
    public func write(into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= WireSize.transportHeader)
        out[0] = MessageType.transportData.rawValue
        out[1] = 0; out[2] = 0; out[3] = 0
        for i in 0..<4 { out[4 + i] = UInt8(truncatingIfNeeded: receiver.value >> (8 * UInt32(i))) }
        for i in 0..<8 { out[8 + i] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(i))) }
    }
}
