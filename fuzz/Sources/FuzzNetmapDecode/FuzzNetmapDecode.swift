import MeshCrypto
import MeshWire

/// The netmap decoder (strict JSON) on arbitrary bytes: no trap, and a netmap that decodes
/// re-encodes to bytes that decode to an equal netmap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? SignedEnvelope.open(bytes, context: .netmap, signer: fixedKey)
    guard let map = try? Netmap(jsonBytes: bytes) else { return 0 }
    guard let again = try? map.jsonBytes(), let back = try? Netmap(jsonBytes: again) else {
        preconditionFailure("a decoded netmap does not re-encode and decode")
    }
    precondition(back == map, "netmap does not round-trip")
    return 0
}

let fixedKey = try! IdentityPublicKey(text: "mpk:03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8")
