import MeshCrypto
import MeshWire

/// Sealing and opening of transport data messages (docs/protocol.md, "Transport data"):
/// the 16-byte clear header, then the payload encrypted with ChaCha20-Poly1305 under the
/// keypair's key, nonce = counter, empty associated data.
///
/// Both work on memory the caller owns, so the packet path copies nothing it does not
/// have to: sealing writes the datagram straight into the shell's send buffer, and opening
/// decrypts from the shell's receive buffer straight into the payload handed up.
@usableFromInline
enum TransportData {
    /// Header and tag around every payload.
    @usableFromInline static let overhead = WireSize.transportHeader + WireSize.tag

    /// Writes the datagram for `payload` into `datagram`, which must hold exactly
    /// `payload.count + overhead` bytes (it may overlap nothing of `payload`).
    @usableFromInline
    static func seal(_ payload: UnsafeRawBufferPointer, key: SymmetricKey, receiver: SessionIndex, counter: UInt64,
                     into datagram: UnsafeMutableRawBufferPointer) {
        precondition(datagram.count == payload.count + overhead)
        TransportHeader(receiver: receiver, counter: counter).write(into: datagram)
        let body = UnsafeMutableRawBufferPointer(rebasing: datagram[WireSize.transportHeader...])
        ChaChaPoly.seal(key: key, counter: counter, plaintext: payload, into: body)
    }

    /// The datagram for `payload`, as a new array.
    static func seal(_ payload: [UInt8], key: SymmetricKey, receiver: SessionIndex, counter: UInt64) -> [UInt8] {
        let count = payload.count + overhead
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            payload.withUnsafeBytes { p in
                seal(p, key: key, receiver: receiver, counter: counter, into: UnsafeMutableRawBufferPointer(buffer))
            }
            initialized = count
        }
    }

    /// The payload of transport message `datagram` (whose header says `counter`), decrypted
    /// into a new array; nil when it does not authenticate.
    @usableFromInline
    static func open(_ datagram: UnsafeRawBufferPointer, key: SymmetricKey, counter: UInt64) -> [UInt8]? {
        let body = UnsafeRawBufferPointer(rebasing: datagram[WireSize.transportHeader...])
        let count = body.count - WireSize.tag
        guard count >= 0 else { return nil }
        var ok = false
        let payload = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            ok = ChaChaPoly.open(key: key, counter: counter, ciphertext: body, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = ok ? count : 0
        }
        return ok ? payload : nil
    }

    /// The payload of transport message `datagram`, or nil when it does not authenticate.
    static func open(_ datagram: [UInt8], key: SymmetricKey, counter: UInt64) -> [UInt8]? {
        datagram.withUnsafeBytes { open($0, key: key, counter: counter) }
    }
}
