import MeshCrypto

/// A join key: the one string an admin pastes into `mcpmesh up --join`. It carries the
/// coordinator's address, the coordinator's identity public key (pinned by the node: no
/// trust on first use) and a random secret, whose hash alone the coordinator stores.
///
/// Text form (docs/protocol.md, "Join keys"): `mcpmesh-join-` then base64url without
/// padding of
///
///     version (1) = 1 || coordinator key (32) || secret (32) || address length (1) ||
///     address (UTF-8 "host:port") || checksum (4)
///
/// where checksum is the first 4 bytes of BLAKE2b-256 of everything before it, so a
/// mangled paste is caught before any network traffic.
public struct JoinKey: Equatable, Sendable, CustomStringConvertible {
    public static let prefix = "mcpmesh-join-"
    public static let version: UInt8 = 1

    public var coordinatorKey: IdentityPublicKey
    public var coordinatorAddress: String
    public var secret: [UInt8]

    public init(coordinatorKey: IdentityPublicKey, coordinatorAddress: String, secret: [UInt8]) {
        precondition(secret.count == 32, "join key secrets are 32 bytes")
        self.coordinatorKey = coordinatorKey
        self.coordinatorAddress = coordinatorAddress
        self.secret = secret
    }

    /// A new join key with a random secret.
    public static func generate<R: RandomNumberGenerator>(coordinatorKey: IdentityPublicKey, address: String, using rng: inout R) -> JoinKey {
        JoinKey(coordinatorKey: coordinatorKey, coordinatorAddress: address, secret: rng.bytes(32))
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case missingPrefix
        case notBase64
        case tooShort(Int)
        case unsupportedVersion(UInt8)
        case badChecksum
        case badAddress(String)
        case badCoordinatorKey(String)

        public var description: String {
            switch self {
            case .missingPrefix: return "a join key starts with \"\(JoinKey.prefix)\""
            case .notBase64: return "the join key has characters that cannot be in one (was it cut or wrapped?)"
            case .tooShort(let n): return "the join key is too short (\(n) bytes after decoding); was it cut?"
            case .unsupportedVersion(let v): return "join key version \(v) is not supported by this mcpmesh"
            case .badChecksum: return "the join key's checksum does not match: it was mistyped or cut"
            case .badAddress(let why): return "the join key's coordinator address is invalid: \(why)"
            case .badCoordinatorKey(let why): return "the join key's coordinator key is invalid: \(why)"
            }
        }
    }

    public init(text: String) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(Self.prefix) else { throw .missingPrefix }
        guard let raw = Base64URL.decode(String(trimmed.dropFirst(Self.prefix.count))) else { throw .notBase64 }
        guard raw.count >= 1 + 32 + 32 + 1 + 4 else { throw .tooShort(raw.count) }
        let body = Array(raw.dropLast(4))
        let sum = Blake2b.hash(parts: [body], outputLength: 32).prefix(4)
        guard ConstantTime.equals(Array(sum), Array(raw.suffix(4))) else { throw .badChecksum }
        guard body[0] == Self.version else { throw .unsupportedVersion(body[0]) }
        let addressLength = Int(body[65])
        guard body.count == 66 + addressLength else { throw .tooShort(raw.count) }
        guard let address = String(validating: body[66...], as: UTF8.self), HostPort(address) != nil else {
            throw .badAddress("expected host:port")
        }
        do {
            coordinatorKey = try IdentityPublicKey(bytes: Array(body[1..<33]))
            _ = try coordinatorKey.noiseStaticKey()
        } catch {
            throw .badCoordinatorKey(error.description)
        }
        secret = Array(body[33..<65])
        coordinatorAddress = address
    }

    public var text: String {
        var body: [UInt8] = [Self.version]
        body += coordinatorKey.raw.bytes
        body += secret
        let addr = Array(coordinatorAddress.utf8)
        body.append(UInt8(addr.count))
        body += addr
        body += Blake2b.hash(parts: [body], outputLength: 32).prefix(4)
        return Self.prefix + Base64URL.encode(body)
    }

    /// What the coordinator stores: BLAKE2b-256 of the secret, lowercase hex.
    public var secretHash: String { Self.hash(secret: secret) }

    public static func hash(secret: [UInt8]) -> String {
        Hex.encode(Blake2b.hash(parts: [secret], outputLength: 32))
    }

    /// Never prints the secret.
    public var description: String { "JoinKey(coordinator: \(coordinatorKey) at \(coordinatorAddress))" }
}

/// A `host:port` pair as written in configs and join keys: IPv4, a name, or `[IPv6]`.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init?(_ text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, host.count <= 253, let port = UInt16(portText), port > 0 else { return nil }
        self.host = String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
