import MeshCrypto
import MeshWire
import Policy

/// What the netmap builder knows about one node: the registry's record of it, reduced to
/// what netmaps and the policy need. The coordinator service builds these from the
/// registry; ControlCore never reads the registry itself.
public struct MeshNode: Hashable, Sendable {
    /// Registry id, never reused.
    public var id: Netmap.NodeID
    /// Unique name; `node:NAME` in the policy.
    public var name: String
    /// Identity public key.
    public var key: IdentityPublicKey
    /// When the node's key stops being accepted unless rotated.
    public var keyExpiry: Netmap.Time
    /// Tags held, with their prefix (`tag:nas`).
    public var tags: Set<String>
    /// Names of the MCP servers the node publishes.
    public var servers: Set<String>
    /// Where peers can reach it (reported and observed), in order of preference.
    public var endpoints: [HostPort]
    /// Whether it is connected to the coordinator now.
    public var online: Bool
    /// When the coordinator last heard from it. Report it when `online` changes, not on
    /// every packet: every change here re-issues its peers' netmaps.
    public var lastSeen: Netmap.Time
    /// Expired by an admin or by its key expiry: it gets no netmap and appears in none.
    public var expired: Bool

    /// A node with every field given.
    public init(id: Netmap.NodeID, name: String, key: IdentityPublicKey, keyExpiry: Netmap.Time,
                tags: Set<String> = [], servers: Set<String> = [], endpoints: [HostPort] = [],
                online: Bool = false, lastSeen: Netmap.Time, expired: Bool = false) {
        self.id = id
        self.name = name
        self.key = key
        self.keyExpiry = keyExpiry
        self.tags = tags
        self.servers = servers
        self.endpoints = endpoints
        self.online = online
        self.lastSeen = lastSeen
        self.expired = expired
    }

    /// The node as the policy sees it.
    var policyNode: PolicyNode {
        PolicyNode(name: name, tags: tags, expired: expired, servers: servers.sorted())
    }

    /// The node as its peers' netmaps list it.
    var peerEntry: Netmap.Peer {
        Netmap.Peer(id: id, name: name, key: key, endpoints: endpoints, tags: Array(tags),
                    servers: Array(servers), online: online, lastSeen: lastSeen)
    }

    /// The node as its own netmap describes it.
    var selfEntry: Netmap.Node {
        Netmap.Node(id: id, name: name, key: key, tags: Array(tags), keyExpiry: keyExpiry)
    }

    /// True when the fields the policy evaluates differ.
    func policyDiffers(from other: MeshNode) -> Bool {
        name != other.name || tags != other.tags || servers != other.servers || expired != other.expired
    }
}
