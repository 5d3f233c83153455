import Foundation

/// A node as the registry knows it: its `nodes` row together with its tags and published
/// MCP servers.
public struct RegisteredNode: Hashable, Sendable, Identifiable {
    /// A node's registry id. Ids are never reused, even after a node is removed.
    public struct ID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
        public let rawValue: Int64
        public init(rawValue: Int64) { self.rawValue = rawValue }
        public var description: String { String(rawValue) }
        public static func < (a: ID, b: ID) -> Bool { a.rawValue < b.rawValue }
    }

    public let id: ID
    /// Unique DNS-label name, used in `node:NAME` and `PEER/SERVER`.
    public let name: String
    /// Identity public key in text form, `mpk:` and 64 lowercase hex digits. Unique.
    public let publicKey: String
    /// Sorted, without repeats.
    public let tags: [String]
    /// Names of the MCP servers the node publishes, sorted.
    public let servers: [String]
    public let createdAt: Date
    /// When the node's key stops being accepted unless it rotates it.
    public let keyExpiry: Date
    /// When an admin expired the node; `nil` if no admin did.
    public let expiredAt: Date?
    /// Whether the node is removed some time after it goes away.
    public let ephemeral: Bool
    public let lastSeenAt: Date
    /// The node's endpoints ("host:port") as last reported or observed.
    public let lastEndpoints: [String]
    /// The join key the node registered with, if that key still exists.
    public let joinKeyID: String?

    /// Whether an admin expired the node.
    public var adminExpired: Bool { expiredAt != nil }

    /// Whether the node is expired at `now`: expired by an admin, or its key expiry has passed.
    public func isExpired(at now: Date) -> Bool {
        adminExpired || keyExpiry <= now
    }

    /// When the node stopped (or stops) being valid: the admin expiry if any, else the key
    /// expiry.
    public var expiry: Date { expiredAt ?? keyExpiry }

    /// A valid node name made from a hostname: lowercased, each run of other characters
    /// turned into one "-", trimmed of "-" and cut to 63 characters; "node" if nothing is left.
    public static func suggestedName(fromHostname hostname: String) -> String {
        var out: [UInt8] = []
        for byte in hostname.lowercased().utf8 {
            let ok = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            if ok {
                out.append(byte)
            } else if out.last != UInt8(ascii: "-") {
                out.append(UInt8(ascii: "-"))
            }
        }
        var name = String(decoding: out, as: UTF8.self)
        name = String(name.prefix(63))
        while name.hasPrefix("-") { name.removeFirst() }
        while name.hasSuffix("-") { name.removeLast() }
        return name.isEmpty ? "node" : name
    }

    init(record: NodeRecord, tags: [String], servers: [String]) throws(RegistryError) {
        guard let rawID = record.id else {
            throw .storage(location: "registry", operation: "read node \(quoted(record.name))",
                           reason: "the row has no id")
        }
        self.id = ID(rawValue: rawID)
        self.name = record.name
        self.publicKey = record.publicKey
        self.tags = tags.sorted()
        self.servers = servers.sorted()
        self.createdAt = record.createdAt
        self.keyExpiry = record.keyExpiry
        self.expiredAt = record.expired ? (record.expiredAt ?? record.keyExpiry) : nil
        self.ephemeral = record.ephemeral
        self.lastSeenAt = record.lastSeenAt
        self.lastEndpoints = record.lastEndpoints
        self.joinKeyID = record.joinKeyID
    }
}
