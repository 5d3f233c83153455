import MeshCrypto
import Noise

/// Noise `ReadMessage` for the responder of IK and the initiator of XX on arbitrary
/// bytes: no trap whatever the length or content.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let s = try! StaticSecretKey(bytes: (0..<32).map { UInt8(0x20 + $0) })
    var ik = try! HandshakeState(protocolName: .mcpmesh, initiator: false, prologue: Array("mcpmesh session v1".utf8), s: s)
    _ = try? ik.readMessage(bytes)
    let xx = try! ProtocolName("Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b")
    var r = try! HandshakeState(protocolName: xx, initiator: false, prologue: [], s: s,
                                psks: [try! PresharedKey(bytes: [UInt8](repeating: 7, count: 32))])
    _ = try? r.readMessage(bytes)
    return 0
}
