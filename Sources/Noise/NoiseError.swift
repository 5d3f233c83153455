import MeshCrypto

/// Errors of the Noise handshake engine. Each reads as one sentence and names where.
public enum NoiseError: Error, Equatable, CustomStringConvertible {
    case unsupportedProtocol(String, reason: String)
    case missingKey(String)
    case messageTooShort(message: Int, needed: Int, got: Int)
    case decryptionFailed(message: Int)
    case weakKey(message: Int)
    case handshakeComplete
    case notYourTurn(message: Int)
    case handshakeNotComplete
    case nonceExhausted

    public var description: String {
        switch self {
        case .unsupportedProtocol(let name, let reason):
            return "unsupported Noise protocol \"\(name)\": \(reason)"
        case .missingKey(let what):
            return "the handshake needs \(what), which was not supplied"
        case .messageTooShort(let m, let needed, let got):
            return "handshake message \(m) is too short: needed at least \(needed) bytes, got \(got)"
        case .decryptionFailed(let m):
            return "handshake message \(m) failed authentication"
        case .weakKey(let m):
            return "handshake message \(m) carries a low-order public key"
        case .handshakeComplete:
            return "the handshake is already complete"
        case .notYourTurn(let m):
            return "handshake message \(m) is the other side's to send"
        case .handshakeNotComplete:
            return "the handshake is not complete yet"
        case .nonceExhausted:
            return "the cipher state's nonce is exhausted"
        }
    }
}
