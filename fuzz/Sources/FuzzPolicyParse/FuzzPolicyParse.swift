import Policy

/// The policy parser (JSON with comments, positions, validation) on arbitrary bytes: no
/// trap, and every error carries a position inside the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JSONParser.parse(bytes: bytes)
    if let file = try? PolicyFile.parse(bytes: bytes) {
        _ = CompiledPolicy(file, nodes: NodeDirectory([]))
    }
    return 0
}
