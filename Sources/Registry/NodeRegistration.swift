import Foundation

/// What a node presents when it registers with a join key.
public struct NodeRegistration: Hashable, Sendable {
    /// What to do when another node already has the requested name.
    public enum NameConflict: Hashable, Sendable {
        /// Refuse with `RegistryError.nodeNameTaken`.
        case refuse
        /// Take the first free name of `name-1`, `name-2`, …
        case appendNumber
    }

    /// Requested node name (a DNS label; `RegisteredNode.suggestedName(fromHostname:)`
    /// makes one from a hostname).
    public var name: String
    /// Identity public key, `mpk:` and 64 hex digits.
    public var publicKey: String
    /// Names of the MCP servers the node publishes.
    public var servers: [String]
    /// The node's endpoints, "host:port".
    public var endpoints: [String]
    /// When the node's key expires (the caller adds the key lifetime to now).
    public var keyExpiry: Date
    public var nameConflict: NameConflict

    public init(name: String, publicKey: String, servers: [String] = [], endpoints: [String] = [],
                keyExpiry: Date, nameConflict: NameConflict = .appendNumber) {
        self.name = name
        self.publicKey = publicKey
        self.servers = servers
        self.endpoints = endpoints
        self.keyExpiry = keyExpiry
        self.nameConflict = nameConflict
    }
}
