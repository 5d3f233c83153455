import MeshWire

/// What the policy gives one node, in the builder's terms: its peers (sorted by name, as
/// its netmap lists them) and, per peer id, what that node must let the peer use
/// (`inbound`) and what it may use on the peer (`outbound`). Everything else in a netmap
/// (the peers' keys, endpoints and tags, the stamps) is looked up when it is built.
///
/// The builder keeps one per node and patches single entries when a peer or a grant
/// changes, so that rebuilding a large netmap because one of its peers changed does not
/// recompute the policy's whole view of that node.
struct NodeView: Equatable, Sendable {
    struct PeerRef: Equatable, Sendable {
        var name: String
        var id: Netmap.NodeID
    }

    /// Sorted by name (names are unique): exactly the ids with an inbound or outbound entry.
    private(set) var peers: [PeerRef] = []
    /// Peer id → this node's servers and tools that peer may use.
    private(set) var inbound: [Netmap.NodeID: Netmap.ServerTools] = [:]
    /// Peer id → that peer's servers and tools this node may use.
    private(set) var outbound: [Netmap.NodeID: Netmap.ServerTools] = [:]

    init() {}

    /// A view holding `inbound` and `outbound` entries, keyed by peer id with its name.
    init(inbound: [(PeerRef, Netmap.ServerTools)], outbound: [(PeerRef, Netmap.ServerTools)]) {
        var names: [Netmap.NodeID: String] = [:]
        for (ref, tools) in inbound {
            self.inbound[ref.id] = tools
            names[ref.id] = ref.name
        }
        for (ref, tools) in outbound {
            self.outbound[ref.id] = tools
            names[ref.id] = ref.name
        }
        peers = names.map { PeerRef(name: $0.value, id: $0.key) }.sorted { $0.name < $1.name }
    }

    var peerIDs: Set<Netmap.NodeID> { Set(peers.map(\.id)) }

    /// Sets what peer `id` (named `name`) may use on this node; nil: nothing.
    mutating func setInbound(_ id: Netmap.NodeID, name: String, _ tools: Netmap.ServerTools?) {
        inbound[id] = tools
        list(id, name: name)
    }

    /// Sets what this node may use on peer `id` (named `name`); nil: nothing.
    mutating func setOutbound(_ id: Netmap.NodeID, name: String, _ tools: Netmap.ServerTools?) {
        outbound[id] = tools
        list(id, name: name)
    }

    /// Forgets peer `id`, listed under `name`.
    mutating func remove(_ id: Netmap.NodeID, name: String) {
        inbound[id] = nil
        outbound[id] = nil
        list(id, name: name)
    }

    /// Lists `id` under `name` if it has an entry either way, and unlists it otherwise.
    private mutating func list(_ id: Netmap.NodeID, name: String) {
        let listed = inbound[id] != nil || outbound[id] != nil
        let i = position(of: name)
        let present = i < peers.count && peers[i].id == id
        if listed, !present {
            peers.insert(PeerRef(name: name, id: id), at: i)
        } else if !listed, present {
            peers.remove(at: i)
        }
    }

    /// The first index whose name is not below `name`.
    private func position(of name: String) -> Int {
        var low = 0, high = peers.count
        while low < high {
            let mid = (low + high) / 2
            if peers[mid].name < name { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
