/// A 32-byte key for ChaCha20-Poly1305 (a Noise cipher key, a session key, a cookie key).
/// Zeroed on release, never printed.
public struct SymmetricKey: Sendable, CustomStringConvertible {
    public static let byteCount = 32
    public let secret: SecretBytes

    public init(secret: SecretBytes) {
        precondition(secret.count == Self.byteCount, "symmetric keys are 32 bytes")
        self.secret = secret
    }

    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidLength(what: "symmetric key", expected: 32, got: bytes.count)
        }
        self.secret = SecretBytes(bytes)
    }

    /// The first 32 bytes of a longer secret (Noise truncates 64-byte HKDF outputs this way).
    public init(truncating source: SecretBytes) {
        precondition(source.count >= Self.byteCount)
        self.secret = source.withUnsafeBytes { SecretBytes($0.prefix(Self.byteCount)) }
    }

    public static func generate<R: RandomNumberGenerator>(using rng: inout R) -> SymmetricKey {
        SymmetricKey(secret: SecretBytes(count: byteCount) { rng.fill($0) })
    }

    public var description: String { "SymmetricKey(<redacted>)" }
}

/// A Noise pre-shared key (32 bytes), for the `psk` patterns. Zeroed on release.
public struct PresharedKey: Sendable, CustomStringConvertible {
    public let secret: SecretBytes
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == 32 else { throw .invalidLength(what: "pre-shared key", expected: 32, got: bytes.count) }
        secret = SecretBytes(bytes)
    }
    public var description: String { "PresharedKey(<redacted>)" }
}
