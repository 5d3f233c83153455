import MeshWire

/// Every session-layer datagram decoder on arbitrary bytes. Invariants: no trap, and any
/// message that decodes re-encodes to exactly the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? peekMessageType(bytes[...])
    if let m = try? HandshakeInitiation(decoding: bytes[...]) {
        precondition(m.encoded() == bytes, "initiation does not round-trip")
    }
    if let m = try? HandshakeResponse(decoding: bytes[...]) {
        precondition(m.encoded() == bytes, "response does not round-trip")
    }
    if let m = try? CookieReply(decoding: bytes[...]) {
        precondition(m.encoded() == bytes, "cookie reply does not round-trip")
    }
    if let h = try? TransportHeader(decoding: bytes[...]) {
        var out = [UInt8](repeating: 0, count: 16)
        out.withUnsafeMutableBytes { h.write(into: $0) }
        precondition(out == Array(bytes.prefix(16)), "transport header does not round-trip")
    }
    _ = Timestamp(bytes: Array(bytes.prefix(12)))
    return 0
}
