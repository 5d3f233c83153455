import MeshCrypto
import MeshWire

/// Join-key text, host:port and signed envelopes on arbitrary input: no trap, and a join
/// key that parses re-encodes to the same key.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    if let key = try? JoinKey(text: text) {
        precondition((try? JoinKey(text: key.text)) == key, "join key does not round-trip")
    }
    _ = try? JoinKey(text: JoinKey.prefix + text)
    _ = HostPort(text)
    let signer = try! IdentitySecretKey(seed: SecretBytes([UInt8](repeating: 3, count: 32)))
    _ = try? SignedEnvelope.open(bytes, context: .netmap, signer: signer.publicKey)
    return 0
}
