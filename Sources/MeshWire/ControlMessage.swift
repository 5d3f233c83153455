import Foundation

/// Messages of the control protocol between a node and the coordinator, carried on the
/// node's **control stream** (docs/protocol.md Part III): the first stream the node opens on its
/// session with the coordinator. Each message is one frame (see `ControlFrame`).
public enum ControlMessage: Equatable, Sendable {
    /// Node → coordinator, first message: who I am and what I publish. `joinSecret` is the
    /// join key's secret (base64url) on the first run, absent afterwards (the session's
    /// authenticated identity is then the credential).
    case register(Register)
    /// Coordinator → node: accepted.
    case registered(Registered)
    /// Node → coordinator: my servers or local endpoints changed.
    case update(Update)
    /// Coordinator → node: a signed netmap envelope (docs/protocol.md §13), sent whole.
    case netmap([UInt8])
    /// Node → coordinator: replace my identity key. `envelope` is a signed envelope
    /// (context `key-rotation v1`) by the current key over the new key's text.
    case rotateKey(envelope: [UInt8])
    /// Node → coordinator: remove me.
    case logout
    /// Either way: a refusal or failure, as one operator sentence, then the stream ends.
    case error(ControlFailure)

    public struct Register: Codable, Equatable, Sendable {
        public var version: Int
        public var joinSecret: String?
        public var hostname: String
        public var name: String?
        public var servers: [String]
        public var endpoints: [String]
        public init(version: Int = 1, joinSecret: String?, hostname: String, name: String?, servers: [String], endpoints: [String]) {
            self.version = version; self.joinSecret = joinSecret; self.hostname = hostname
            self.name = name; self.servers = servers; self.endpoints = endpoints
        }
    }

    public struct Registered: Codable, Equatable, Sendable {
        public var nodeId: UInt64
        public var name: String
        public var tags: [String]
        /// Unix milliseconds.
        public var keyExpiry: Int64
        public init(nodeId: UInt64, name: String, tags: [String], keyExpiry: Int64) {
            self.nodeId = nodeId; self.name = name; self.tags = tags; self.keyExpiry = keyExpiry
        }
    }

    public struct Update: Codable, Equatable, Sendable {
        public var servers: [String]?
        public var endpoints: [String]?
        public init(servers: [String]?, endpoints: [String]?) { self.servers = servers; self.endpoints = endpoints }
    }
}

/// Why the coordinator refused (or the node gave up).
public struct ControlFailure: Error, Codable, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Codable, Sendable {
        case joinKeyUnknown = "join-key-unknown"
        case joinKeyExpired = "join-key-expired"
        case joinKeyRevoked = "join-key-revoked"
        case joinKeyUsed = "join-key-used"
        case notRegistered = "not-registered"
        case nodeExpired = "node-expired"
        case badRequest = "bad-request"
        case internalError = "internal"
    }
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
    public var description: String { message }
}

/// Framing of control messages on a stream: each frame is a 4-byte little-endian length
/// `L` (of what follows, at most `maxLength`), a 1-byte kind, and `L − 1` bytes of body.
///
/// | kind | message | body |
/// |---|---|---|
/// | 1 | register | JSON `Register` |
/// | 2 | registered | JSON `Registered` |
/// | 3 | update | JSON `Update` |
/// | 4 | netmap | the signed netmap envelope, raw |
/// | 5 | rotate-key | the signed envelope, raw |
/// | 6 | logout | empty |
/// | 7 | error | JSON `{"code": …, "message": …}` |
public enum ControlFrame {
    public static let maxLength = 8 << 20

    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        case tooLong(Int)
        case empty
        case unknownKind(UInt8)
        case badBody(kind: UInt8, String)
        public var description: String {
            switch self {
            case .tooLong(let n): return "control frame of \(n) bytes exceeds the \(ControlFrame.maxLength)-byte limit"
            case .empty: return "control frame without a kind byte"
            case .unknownKind(let k): return "unknown control frame kind \(k)"
            case .badBody(let k, let why): return "control frame of kind \(k) has a malformed body: \(why)"
            }
        }
    }

    public static func encode(_ message: ControlMessage) -> [UInt8] {
        let (kind, body): (UInt8, [UInt8])
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        func json<T: Encodable>(_ v: T) -> [UInt8] { Array((try? enc.encode(v)) ?? Data("{}".utf8)) }
        switch message {
        case .register(let r): (kind, body) = (1, json(r))
        case .registered(let r): (kind, body) = (2, json(r))
        case .update(let u): (kind, body) = (3, json(u))
        case .netmap(let b): (kind, body) = (4, b)
        case .rotateKey(let b): (kind, body) = (5, b)
        case .logout: (kind, body) = (6, [])
        case .error(let f): (kind, body) = (7, json(f))
        }
        let length = UInt32(body.count + 1)
        return [UInt8(truncatingIfNeeded: length), UInt8(truncatingIfNeeded: length >> 8),
                UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 24), kind] + body
    }

    /// Takes every complete frame off the front of `buffer`, leaving a partial one.
    public static func decode(from buffer: inout [UInt8]) throws(DecodeError) -> [ControlMessage] {
        var out: [ControlMessage] = []
        var offset = 0
        while buffer.count - offset >= 4 {
            let length = Int(buffer[offset]) | Int(buffer[offset + 1]) << 8 | Int(buffer[offset + 2]) << 16 | Int(buffer[offset + 3]) << 24
            guard length <= maxLength else { throw .tooLong(length) }
            guard length >= 1 else { throw .empty }
            guard buffer.count - offset - 4 >= length else { break }
            let kind = buffer[offset + 4]
            let body = Array(buffer[(offset + 5)..<(offset + 4 + length)])
            out.append(try message(kind: kind, body: body))
            offset += 4 + length
        }
        buffer.removeFirst(offset)
        return out
    }

    static func message(kind: UInt8, body: [UInt8]) throws(DecodeError) -> ControlMessage {
        func json<T: Decodable>(_ t: T.Type) throws(DecodeError) -> T {
            do { return try JSONDecoder().decode(t, from: Data(body)) } catch {
                throw .badBody(kind: kind, "\(error)")
            }
        }
        switch kind {
        case 1: return .register(try json(ControlMessage.Register.self))
        case 2: return .registered(try json(ControlMessage.Registered.self))
        case 3: return .update(try json(ControlMessage.Update.self))
        case 4: return .netmap(body)
        case 5: return .rotateKey(envelope: body)
        case 6:
            guard body.isEmpty else { throw .badBody(kind: kind, "logout carries no body") }
            return .logout
        case 7: return .error(try json(ControlFailure.self))
        default: throw .unknownKind(kind)
        }
    }
}
