import MeshCrypto
import MeshWire

/// Sealing and opening of transport data messages (docs/protocol.md, "Transport data"):
/// the 16-byte clear header, then the payload encrypted in place with ChaCha20-Poly1305
/// under the keypair's key, nonce = counter, empty associated data.
enum TransportData {
    static func seal(_ payload: [UInt8], key: SymmetricKey, receiver: SessionIndex, counter: UInt64) -> [UInt8] {
        var datagram = [UInt8](repeating: 0, count: WireSize.transportHeader + payload.count + WireSize.tag)
        datagram.withUnsafeMutableBytes { buf in
            TransportHeader(receiver: receiver, counter: counter).write(into: buf)
            let body = UnsafeMutableRawBufferPointer(rebasing: buf[WireSize.transportHeader...])
            payload.withUnsafeBytes { body.copyMemory(from: $0) }
            ChaChaPoly.sealInPlace(key: key, counter: counter, ad: UnsafeRawBufferPointer(start: nil, count: 0),
                                   buffer: body, plaintextCount: payload.count)
        }
        return datagram
    }

    /// The payload of `datagram` (header already decoded as `header`), or nil when it
    /// does not authenticate.
    static func open(_ datagram: [UInt8], key: SymmetricKey, counter: UInt64) -> [UInt8]? {
        var body = Array(datagram[WireSize.transportHeader...])
        let ok = body.withUnsafeMutableBytes { buf in
            ChaChaPoly.openInPlace(key: key, counter: counter, ad: UnsafeRawBufferPointer(start: nil, count: 0), buffer: buf)
        }
        guard ok else { return nil }
        body.removeLast(WireSize.tag)
        return body
    }
}
