import CSodium

/// A node's or coordinator's long-term Ed25519 public key: it verifies signatures, and its
/// X25519 form (`noiseStaticKey`) is the Noise static key of the same identity.
///
/// Text form (the one public-key encoding of the whole project): `mpk:` followed by the
/// 32 bytes in lowercase hex, 68 characters in all. Parsing accepts either hex case.
public struct IdentityPublicKey: Hashable, Sendable, CustomStringConvertible {
    public static let textPrefix = "mpk:"
    public let raw: Bytes32

    public init(raw: Bytes32) { self.raw = raw }

    public init(bytes: [UInt8]) throws(CryptoError) {
        guard let raw = Bytes32(bytes) else {
            throw .invalidLength(what: "Ed25519 public key", expected: 32, got: bytes.count)
        }
        self.raw = raw
    }

    public init(text: String) throws(CryptoError) {
        guard text.hasPrefix(Self.textPrefix) else {
            throw .invalidKeyText("expected it to start with \"\(Self.textPrefix)\"")
        }
        let hex = String(text.dropFirst(Self.textPrefix.count))
        guard hex.utf8.count == 64 else {
            throw .invalidKeyText("expected 64 hex digits after \"\(Self.textPrefix)\", got \(hex.utf8.count) characters")
        }
        let bytes: [UInt8]
        do { bytes = try Hex.decodeOrThrow(hex) } catch { throw .invalidKeyText(error.description) }
        self.raw = Bytes32(bytes)!
        // Reject text that names no usable identity at all.
        _ = try noiseStaticKey()
    }

    public var text: String { Self.textPrefix + raw.hex }
    public var description: String { text }

    /// The X25519 (Montgomery) form of this key, the Noise static public key.
    public func noiseStaticKey() throws(CryptoError) -> StaticPublicKey {
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: 32)
        let rc = raw.withUnsafeBytes { pk in
            crypto_sign_ed25519_pk_to_curve25519(&out, pk.bindMemory(to: UInt8.self).baseAddress!)
        }
        guard rc == 0 else { throw .invalidPublicKey }
        return StaticPublicKey(raw: Bytes32(out)!)
    }

    /// Verifies an Ed25519 signature over exactly `message`.
    public func verify(_ signature: Signature, over message: [UInt8]) -> Bool {
        Sodium.ensure()
        return signature.raw.withUnsafeBufferPointer { sig in
            raw.withUnsafeBytes { pk in
                crypto_sign_verify_detached(sig.baseAddress!, message, UInt64(message.count),
                                            pk.bindMemory(to: UInt8.self).baseAddress!) == 0
            }
        }
    }
}

/// A 64-byte Ed25519 signature.
public struct Signature: Hashable, Sendable {
    public static let byteCount = 64
    public let raw: [UInt8]

    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidLength(what: "Ed25519 signature", expected: 64, got: bytes.count)
        }
        raw = bytes
    }
}

/// A long-term Ed25519 secret key (libsodium's 64-byte form: seed then public key).
/// Zeroed on release, never printed.
public struct IdentitySecretKey: Sendable, CustomStringConvertible {
    private let secret: SecretBytes
    public let publicKey: IdentityPublicKey

    /// A new random identity.
    public static func generate() -> IdentitySecretKey {
        var rng = SystemRandom()
        return generate(using: &rng)
    }

    /// A new identity from `rng` (tests inject a seeded generator).
    public static func generate<R: RandomNumberGenerator>(using rng: inout R) -> IdentitySecretKey {
        let seed = SecretBytes(count: 32) { rng.fill($0) }
        return try! IdentitySecretKey(seed: seed)
    }

    /// The identity whose 32-byte seed is `seed` (the form stored on disk).
    public init(seed: SecretBytes) throws(CryptoError) {
        guard seed.count == 32 else { throw .invalidLength(what: "Ed25519 seed", expected: 32, got: seed.count) }
        Sodium.ensure()
        var pk = [UInt8](repeating: 0, count: 32)
        secret = SecretBytes(count: 64) { sk in
            seed.withUnsafeBytes { s in
                _ = crypto_sign_seed_keypair(&pk, sk.bindMemory(to: UInt8.self).baseAddress!,
                                             s.bindMemory(to: UInt8.self).baseAddress!)
            }
        }
        publicKey = IdentityPublicKey(raw: Bytes32(pk)!)
    }

    /// The 32-byte seed, for writing the key to a 0600 file.
    public var seed: SecretBytes {
        secret.withUnsafeBytes { SecretBytes($0.prefix(32)) }
    }

    public func sign(_ message: [UInt8]) -> Signature {
        var sig = [UInt8](repeating: 0, count: 64)
        secret.withUnsafeBytes { sk in
            _ = crypto_sign_detached(&sig, nil, message, UInt64(message.count),
                                     sk.bindMemory(to: UInt8.self).baseAddress!)
        }
        return try! Signature(bytes: sig)
    }

    /// The X25519 form of this identity: the Noise static secret key.
    public func noiseStaticKey() -> StaticSecretKey {
        let x = SecretBytes(count: 32) { out in
            secret.withUnsafeBytes { sk in
                _ = crypto_sign_ed25519_sk_to_curve25519(out.bindMemory(to: UInt8.self).baseAddress!,
                                                         sk.bindMemory(to: UInt8.self).baseAddress!)
            }
        }
        return StaticSecretKey(secret: x)
    }

    public var description: String { "IdentitySecretKey(public: \(publicKey.text))" }
}
