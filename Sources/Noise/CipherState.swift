import MeshCrypto

/// Noise CipherState (spec §5.1): a key, possibly empty, and a 64-bit nonce.
public struct CipherState: Sendable {
    public private(set) var key: SymmetricKey?
    public private(set) var nonce: UInt64 = 0

    public init(key: SymmetricKey? = nil) { self.key = key }

    public var hasKey: Bool { key != nil }

    public mutating func encrypt(ad: [UInt8], plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard let key else { return plaintext }
        // 2^64-1 is reserved (spec §5.1).
        guard nonce < .max else { throw .nonceExhausted }
        defer { nonce += 1 }
        return ChaChaPoly.seal(key: key, counter: nonce, ad: ad, plaintext: plaintext)
    }

    /// Decrypts; on failure the nonce does not advance.
    public mutating func decrypt(ad: [UInt8], ciphertext: [UInt8]) throws(NoiseError) -> [UInt8]? {
        guard let key else { return ciphertext }
        guard nonce < .max else { throw .nonceExhausted }
        guard let pt = try? ChaChaPoly.open(key: key, counter: nonce, ad: ad, ciphertext: ciphertext) else { return nil }
        nonce += 1
        return pt
    }
}
