import MeshCrypto
import MeshWire

/// A netmap together with the exact bytes that carry it: a `SignedEnvelope` (context
/// `.netmap`) around the netmap's JSON. The coordinator sends `bytes`; a node that accepts
/// them persists `bytes`, never a re-encoding of `netmap`.
public struct SignedNetmap: Hashable, Sendable {
    /// The decoded netmap.
    public let netmap: Netmap
    /// The signed envelope, as sent and as persisted.
    public let bytes: [UInt8]

    /// Pairs a netmap with its envelope bytes; only the builder and the acceptor do this,
    /// after encoding and signing, or after verifying and decoding.
    init(netmap: Netmap, bytes: [UInt8]) {
        self.netmap = netmap
        self.bytes = bytes
    }

    /// The JSON payload inside the envelope (the bytes the signature covers, after the
    /// context label).
    public var payload: ArraySlice<UInt8> { bytes.dropFirst(1 + Signature.byteCount) }
}
