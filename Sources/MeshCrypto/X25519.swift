import CSodium

/// The Noise static public key: X25519, the Montgomery form of an identity key.
public struct StaticPublicKey: Hashable, Sendable, CustomStringConvertible {
    public let raw: Bytes32
    public init(raw: Bytes32) { self.raw = raw }
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard let raw = Bytes32(bytes) else { throw .invalidLength(what: "X25519 public key", expected: 32, got: bytes.count) }
        self.raw = raw
    }
    public var description: String { "x25519:" + raw.hex }
}

/// The Noise static secret key. Zeroed on release, never printed.
public struct StaticSecretKey: Sendable, CustomStringConvertible {
    public let secret: SecretBytes
    public let publicKey: StaticPublicKey

    public init(secret: SecretBytes) {
        precondition(secret.count == 32, "X25519 secret keys are 32 bytes")
        self.secret = secret
        self.publicKey = StaticPublicKey(raw: X25519.publicKey(of: secret))
    }

    /// A standalone static key from raw bytes (test vectors use these).
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == 32 else { throw .invalidLength(what: "X25519 secret key", expected: 32, got: bytes.count) }
        self.init(secret: SecretBytes(bytes))
    }

    public func sharedSecret(with peer: Bytes32) throws(CryptoError) -> SecretBytes {
        try X25519.sharedSecret(secret, peer)
    }

    public var description: String { "StaticSecretKey(public: \(publicKey))" }
}

/// A Noise ephemeral public key.
public struct EphemeralPublicKey: Hashable, Sendable {
    public let raw: Bytes32
    public init(raw: Bytes32) { self.raw = raw }
}

/// A Noise ephemeral secret key: one per handshake. Zeroed on release, never printed.
public struct EphemeralSecretKey: Sendable, CustomStringConvertible {
    public let secret: SecretBytes
    public let publicKey: EphemeralPublicKey

    public init(secret: SecretBytes) {
        precondition(secret.count == 32, "X25519 secret keys are 32 bytes")
        self.secret = secret
        self.publicKey = EphemeralPublicKey(raw: X25519.publicKey(of: secret))
    }

    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == 32 else { throw .invalidLength(what: "X25519 secret key", expected: 32, got: bytes.count) }
        self.init(secret: SecretBytes(bytes))
    }

    public static func generate<R: RandomNumberGenerator>(using rng: inout R) -> EphemeralSecretKey {
        EphemeralSecretKey(secret: SecretBytes(count: 32) { rng.fill($0) })
    }

    public func sharedSecret(with peer: Bytes32) throws(CryptoError) -> SecretBytes {
        try X25519.sharedSecret(secret, peer)
    }

    public var description: String { "EphemeralSecretKey(<redacted>)" }
}

/// X25519 over libsodium's `crypto_scalarmult`.
public enum X25519 {
    public static func publicKey(of secret: SecretBytes) -> Bytes32 {
        Sodium.ensure()
        return Bytes32 { out in
            secret.withUnsafeBytes { sk in
                _ = crypto_scalarmult_base(out.bindMemory(to: UInt8.self).baseAddress!,
                                           sk.bindMemory(to: UInt8.self).baseAddress!)
            }
        }
    }

    /// DH(secret, public). Throws `weakSharedSecret` when the result is all zeros, which
    /// libsodium reports for low-order points: such a "secret" is known to everyone.
    public static func sharedSecret(_ secret: SecretBytes, _ peer: Bytes32) throws(CryptoError) -> SecretBytes {
        Sodium.ensure()
        var rc: Int32 = 0
        let shared = SecretBytes(count: 32) { out in
            secret.withUnsafeBytes { sk in
                peer.withUnsafeBytes { pk in
                    rc = crypto_scalarmult(out.bindMemory(to: UInt8.self).baseAddress!,
                                           sk.bindMemory(to: UInt8.self).baseAddress!,
                                           pk.bindMemory(to: UInt8.self).baseAddress!)
                }
            }
        }
        guard rc == 0 else { throw .weakSharedSecret }
        return shared
    }
}
