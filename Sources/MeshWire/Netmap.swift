import MeshCrypto

/// What the coordinator tells one node about the mesh (docs/netmap.md): which peers exist
/// and where they are, what this node must let each of them do (`inbound`), and what it may
/// use on each of them (`outbound`). Only peers the node may reach or be reached by appear;
/// expired and removed nodes appear in no netmap.
///
/// The coordinator encodes a netmap once (`jsonBytes`: JSON, sorted keys, no whitespace)
/// and signs those exact bytes in a `SignedEnvelope` with context `.netmap`. A node
/// verifies the envelope with its pinned coordinator key before it decodes anything
/// (`init(jsonBytes:)`), and never re-encodes a netmap to check it.
public struct Netmap: Hashable, Sendable {
    /// Per-server tool globs: server name → globs, where `["*"]` means every tool.
    public typealias ServerTools = [String: [String]]

    /// Monotonic per node: each netmap issued to a node has a larger version than the last.
    public var version: UInt64
    /// When the coordinator issued it.
    public var issuedAt: Time
    /// After this instant the node must stop using it (and its peers' access with it).
    public var expiresAt: Time
    /// The node this netmap is for.
    public var node: Node
    /// The coordinator that signed it, and where to reach it.
    public var coordinator: Coordinator
    /// The version of the policy in force when this netmap was built.
    public var policyVersion: UInt64
    /// The peers this node may reach or be reached by, sorted by name.
    public var peers: [Peer]
    /// What this node must enforce: for each peer key, which of this node's servers that
    /// peer may use, and which tools.
    public var inbound: [IdentityPublicKey: ServerTools]
    /// What this node may use: for each peer key, which servers of that peer, and which tools.
    public var outbound: [IdentityPublicKey: ServerTools]

    /// A netmap with every field given.
    public init(version: UInt64, issuedAt: Time, expiresAt: Time, node: Node, coordinator: Coordinator,
                policyVersion: UInt64, peers: [Peer], inbound: [IdentityPublicKey: ServerTools],
                outbound: [IdentityPublicKey: ServerTools]) {
        self.version = version
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.node = node
        self.coordinator = coordinator
        self.policyVersion = policyVersion
        self.peers = peers
        self.inbound = inbound
        self.outbound = outbound
    }

    /// The peer whose identity key is `key`, if the netmap lists it.
    public func peer(withKey key: IdentityPublicKey) -> Peer? {
        peers.first { $0.key == key }
    }

    /// The peer named `name`, if the netmap lists it.
    public func peer(named name: String) -> Peer? {
        peers.first { $0.name == name }
    }
}
