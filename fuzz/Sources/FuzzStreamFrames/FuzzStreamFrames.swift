import MeshStream

/// Every stream frame decoder (ACK ranges included) on arbitrary bytes: no trap, and each
/// decoded frame re-encodes to bytes that decode to the same frame.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let frames = try? FrameCodec.decodeFrames(bytes) else { return 0 }
    for frame in frames {
        var out: [UInt8] = []
        FrameCodec.encode(frame, into: &out)
        precondition(out.count == FrameCodec.encodedLength(frame), "encodedLength disagrees with encode")
        guard let again = try? FrameCodec.decodeFrames(out) else { preconditionFailure("re-encoded frame does not decode") }
        if case .padding = frame { continue }
        precondition(again == [frame], "frame does not round-trip")
    }
    return 0
}
