import MeshCrypto

/// Noise SymmetricState (spec §5.2): chaining key `ck`, handshake hash `h`, and a
/// CipherState. The chaining key is secret and held in zero-on-release storage.
public struct SymmetricState: Sendable {
    private var ck: SecretBytes
    public private(set) var h: [UInt8]
    private var cipher: CipherState

    public init(protocolName: String) {
        let name = Array(protocolName.utf8)
        if name.count <= Blake2b.hashLength {
            h = name + [UInt8](repeating: 0, count: Blake2b.hashLength - name.count)
        } else {
            h = Blake2b.hash(name)
        }
        ck = SecretBytes(h)
        cipher = CipherState()
    }

    public var hasKey: Bool { cipher.hasKey }

    public mutating func mixKey(_ ikm: SecretBytes) {
        let out = ikm.withUnsafeBytes { Blake2b.hkdf(chainingKey: ck, inputKeyMaterial: $0, outputs: 2) }
        ck = out[0]
        cipher = CipherState(key: SymmetricKey(truncating: out[1]))
    }

    public mutating func mixKey(public bytes: Bytes32) {
        mixKey(SecretBytes(bytes.bytes))
    }

    public mutating func mixHash(_ data: [UInt8]) {
        h = Blake2b.hash(h, data)
    }

    public mutating func mixKeyAndHash(_ ikm: SecretBytes) {
        let out = ikm.withUnsafeBytes { Blake2b.hkdf(chainingKey: ck, inputKeyMaterial: $0, outputs: 3) }
        ck = out[0]
        out[1].withUnsafeBytes { mixHash(Array($0)) }
        cipher = CipherState(key: SymmetricKey(truncating: out[2]))
    }

    public mutating func encryptAndHash(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        let c = try cipher.encrypt(ad: h, plaintext: plaintext)
        mixHash(c)
        return c
    }

    /// Nil when authentication fails.
    public mutating func decryptAndHash(_ ciphertext: [UInt8]) throws(NoiseError) -> [UInt8]? {
        guard let p = try cipher.decrypt(ad: h, ciphertext: ciphertext) else { return nil }
        mixHash(ciphertext)
        return p
    }

    /// Two cipher states: initiator→responder, responder→initiator (spec §5.2 Split).
    public func split() -> (CipherState, CipherState) {
        let out = Blake2b.hkdf(chainingKey: ck, inputKeyMaterial: UnsafeRawBufferPointer(start: nil, count: 0), outputs: 2)
        return (CipherState(key: SymmetricKey(truncating: out[0])), CipherState(key: SymmetricKey(truncating: out[1])))
    }
}
