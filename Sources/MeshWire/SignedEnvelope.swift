import MeshCrypto

/// Signed bytes (docs/protocol.md, "Signed envelopes"). The signature covers a context
/// label and the exact payload bytes, and the receiver verifies those bytes before it
/// decodes anything ("sign bytes, not structures"). The context keeps a signature made for
/// one purpose (a netmap) from being valid for another (a key rotation).
///
///     envelope = version (1) = 1 || signature (64) || payload
///     signature = Ed25519(signer, "mcpmesh " || context || 0x00 || payload)
public struct SignedEnvelope: Equatable, Sendable {
    public static let version: UInt8 = 1
    public var signature: Signature
    public var payload: [UInt8]

    public enum Context: String, Sendable {
        case netmap = "netmap v1"
        case keyRotation = "key-rotation v1"
        case register = "register v1"
    }

    public enum OpenError: Error, Equatable, CustomStringConvertible {
        case tooShort(Int)
        case unsupportedVersion(UInt8)
        case badSignature

        public var description: String {
            switch self {
            case .tooShort(let n): return "signed envelope too short (\(n) bytes)"
            case .unsupportedVersion(let v): return "signed envelope version \(v) is not supported"
            case .badSignature: return "signature does not verify with the expected key"
            }
        }
    }

    static func signedBytes(_ context: Context, _ payload: [UInt8]) -> [UInt8] {
        Array("mcpmesh \(context.rawValue)".utf8) + [0] + payload
    }

    public static func seal(_ payload: [UInt8], context: Context, signer: IdentitySecretKey) -> SignedEnvelope {
        SignedEnvelope(signature: signer.sign(signedBytes(context, payload)), payload: payload)
    }

    public init(signature: Signature, payload: [UInt8]) {
        self.signature = signature
        self.payload = payload
    }

    public var encoded: [UInt8] { [Self.version] + signature.raw + payload }

    /// Verifies `bytes` against `signer` and returns the payload, which is only then safe
    /// to decode.
    public static func open(_ bytes: [UInt8], context: Context, signer: IdentityPublicKey) throws(OpenError) -> [UInt8] {
        guard bytes.count >= 1 + Signature.byteCount else { throw .tooShort(bytes.count) }
        guard bytes[0] == version else { throw .unsupportedVersion(bytes[0]) }
        let sig = try! Signature(bytes: Array(bytes[1..<65]))
        let payload = Array(bytes[65...])
        guard signer.verify(sig, over: signedBytes(context, payload)) else { throw .badSignature }
        return payload
    }
}
