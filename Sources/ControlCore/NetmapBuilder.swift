import MeshCrypto
import MeshWire
import Policy

/// The coordinator's netmap core: it holds the mesh's nodes and the compiled policy, tells
/// which nodes' netmaps a change affects, and builds and signs those netmaps. Pure: no
/// clock, no registry, no I/O; the coordinator service feeds it from the registry and
/// pushes what it builds.
///
/// Every change (`nodeJoined`, `tagsChanged`, `policyReplaced`, …) returns the ids of the
/// nodes whose netmap must be rebuilt, and only those: the work grows with the nodes a
/// change affects, not with the size of the mesh. It rests on three facts:
///
/// - a node's netmap mentions another node only if they are peers (one may use a server of
///   the other), and peering is symmetric;
/// - so a change to node X can alter only X's netmap and those of X's peers before and
///   after the change; X's peers come from the policy's per-node views, which start from
///   the grants selecting X (`CompiledPolicy.peers(of:)`), and are cached per node;
/// - a policy edit can alter only the views of members of grants whose effect changed
///   (`CompiledPolicy.nodesAffected(since:)`).
///
/// Pass the returned ids to `build(for:now:versions:)`, which seals them on every core at
/// once (or call `build(for:now:)` for each; and `needsReissue(now:)` periodically). A
/// node's cached peer set stays valid until a change names that node, so builds may be
/// batched or delayed without ever missing an update.
public struct NetmapBuilder: Sendable {
    /// How netmaps are stamped.
    public struct Configuration: Sendable {
        /// Where nodes reach the coordinator; listed in every netmap.
        public var coordinatorEndpoints: [HostPort]
        /// How long a netmap is valid after it is issued (default 24 h).
        public var lifetime: Duration
        /// A netmap is due for re-issue when less than this remains of it (default 12 h).
        public var reissueMargin: Duration

        /// Netmaps valid for `lifetime`, re-issued when less than `reissueMargin` remains.
        public init(coordinatorEndpoints: [HostPort], lifetime: Duration = .seconds(24 * 3600),
                    reissueMargin: Duration = .seconds(12 * 3600)) {
            self.coordinatorEndpoints = coordinatorEndpoints
            self.lifetime = lifetime
            self.reissueMargin = reissueMargin
        }
    }

    /// The last netmap issued to a node.
    struct Issued: Sendable {
        var version: UInt64
        /// Nil when only the version is known (seeded from the registry).
        var expiresAt: Netmap.Time?
    }

    let signer: IdentitySecretKey
    /// How netmaps are stamped; may be changed between builds.
    public var configuration: Configuration
    /// The policy in force, compiled against the current nodes.
    public internal(set) var policy: CompiledPolicy
    /// The registry's version of the policy in force; stamped into each netmap built.
    public internal(set) var policyVersion: UInt64
    /// Every node, including expired ones; removed nodes are forgotten.
    public internal(set) var nodes: [Netmap.NodeID: MeshNode] = [:]
    var idsByName: [String: Netmap.NodeID] = [:]
    var idsByKey: [IdentityPublicKey: Netmap.NodeID] = [:]
    /// Each node as netmaps list it, with its JSON, made once per node change and reused in
    /// every netmap listing the node.
    var peerRecords: [Netmap.NodeID: PeerRecord] = [:]
    /// Each live node's view, once computed; kept equal to what `computeView` would give by
    /// patching it whenever one of its peers changes.
    var views: [Netmap.NodeID: NodeView] = [:]
    var issued: [Netmap.NodeID: Issued] = [:]
    /// The policy in force as `PolicyEditHubs` compares it, kept from the last policy edit
    /// so that the next one only works out the new policy's.
    var policySnapshot: PolicyEditHubs.Snapshot?

    /// A builder signing with `coordinator`, enforcing `policy` (registry version
    /// `policyVersion`) over `nodes`, with each node's last issued netmap version from
    /// `versions` (the registry keeps them across restarts; a missing node starts at 0).
    public init(coordinator: IdentitySecretKey, configuration: Configuration, policy: PolicyFile,
                policyVersion: UInt64, nodes: [MeshNode] = [],
                versions: [Netmap.NodeID: UInt64] = [:]) throws(ControlError) {
        self.signer = coordinator
        self.configuration = configuration
        self.policyVersion = policyVersion
        self.policy = CompiledPolicy(policy, nodes: NodeDirectory())
        for node in nodes {
            if let other = idsByName[node.name], other != node.id { throw .nameTaken(node.name, by: other) }
            if let other = idsByKey[node.key], other != node.id { throw .keyTaken(node.key, by: other) }
            if self.nodes[node.id] != nil { throw .nodeAlreadyJoined(node.id, name: node.name) }
            self.nodes[node.id] = node
            idsByName[node.name] = node.id
            idsByKey[node.key] = node.id
            peerRecords[node.id] = PeerRecord(node)
        }
        self.policy = CompiledPolicy(policy, nodes: NodeDirectory(nodes.map(\.policyNode)))
        for (id, version) in versions { issued[id] = Issued(version: version, expiresAt: nil) }
    }

    /// The coordinator's identity public key.
    public var coordinatorKey: IdentityPublicKey { signer.publicKey }

    /// The nodes that get netmaps: every known node that has not expired, by id.
    public var liveNodeIDs: [Netmap.NodeID] {
        nodes.values.filter { !$0.expired }.map(\.id).sorted()
    }

    /// The last netmap version issued to `id` (or seeded for it), 0 if none.
    public func lastVersion(of id: Netmap.NodeID) -> UInt64 { issued[id]?.version ?? 0 }

    /// Records that versions up to `version` were already issued to `id` (from the
    /// registry), so the next netmap gets a larger one. Never lowers a version.
    public mutating func seedVersion(_ version: UInt64, for id: Netmap.NodeID) {
        if version > lastVersion(of: id) { issued[id] = Issued(version: version, expiresAt: issued[id]?.expiresAt) }
    }
}
