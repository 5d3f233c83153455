/// Errors of the crypto layer. None of them carries secret material.
public enum CryptoError: Error, Equatable, CustomStringConvertible {
    /// A key or value had the wrong length.
    case invalidLength(what: String, expected: Int, got: Int)
    /// X25519 produced the all-zero shared secret (a low-order public key).
    case weakSharedSecret
    /// An Ed25519 public key could not be converted to its X25519 form.
    case invalidPublicKey
    /// AEAD authentication failed.
    case authenticationFailed
    /// The public-key text form could not be parsed; `reason` says why.
    case invalidKeyText(String)

    public var description: String {
        switch self {
        case .invalidLength(let what, let expected, let got):
            return "\(what) must be \(expected) bytes, got \(got)"
        case .weakSharedSecret:
            return "X25519 produced an all-zero shared secret (low-order public key)"
        case .invalidPublicKey:
            return "public key is not a valid Ed25519 point"
        case .authenticationFailed:
            return "authentication tag did not verify"
        case .invalidKeyText(let reason):
            return "invalid public key text: \(reason)"
        }
    }
}
