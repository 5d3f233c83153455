import MeshWire

/// What the policy gives one node, in the builder's terms: its peers (sorted by name, as
/// its netmap lists them) and, per peer id, what that node must let the peer use
/// (`inbound`) and what it may use on the peer (`outbound`), each with its JSON already
/// written. Everything else in a netmap (the peers' keys, endpoints and tags, the stamps)
/// is looked up when it is built.
///
/// The builder keeps one per node and patches single entries when a peer or a grant
/// changes, so that rebuilding a large netmap because one of its peers changed does not
/// recompute the policy's whole view of that node.
struct NodeView: Equatable, Sendable {
    struct PeerRef: Equatable, Sendable {
        var name: String
        var id: Netmap.NodeID
    }

    /// One peer as the netmap lists it, with both directions of access (what `inbound`
    /// and `outbound` hold for it), so that building the netmap walks one array.
    struct Listing: Equatable, Sendable {
        var name: String
        var id: Netmap.NodeID
        var inbound: EncodedServerTools?
        var outbound: EncodedServerTools?
    }

    /// Sorted by name (names are unique): exactly the ids with an inbound or outbound entry.
    private(set) var peers: [Listing] = []
    /// Peer id → this node's servers and tools that peer may use.
    private(set) var inbound: [Netmap.NodeID: EncodedServerTools] = [:]
    /// Peer id → that peer's servers and tools this node may use.
    private(set) var outbound: [Netmap.NodeID: EncodedServerTools] = [:]

    init() {}

    /// A view holding `inbound` and `outbound` entries, keyed by peer id with its name.
    init(inbound: [(PeerRef, EncodedServerTools)], outbound: [(PeerRef, EncodedServerTools)]) {
        var names: [Netmap.NodeID: String] = [:]
        for (ref, tools) in inbound {
            self.inbound[ref.id] = tools
            names[ref.id] = ref.name
        }
        for (ref, tools) in outbound {
            self.outbound[ref.id] = tools
            names[ref.id] = ref.name
        }
        peers = names.map { id, name in
            Listing(name: name, id: id, inbound: self.inbound[id], outbound: self.outbound[id])
        }.sorted { $0.name < $1.name }
    }

    var peerIDs: Set<Netmap.NodeID> { Set(peers.map(\.id)) }

    /// Sets what peer `id` (named `name`) may use on this node; nil: nothing.
    mutating func setInbound(_ id: Netmap.NodeID, name: String, _ tools: EncodedServerTools?) {
        inbound[id] = tools
        list(id, name: name)
    }

    /// Sets what this node may use on peer `id` (named `name`); nil: nothing.
    mutating func setOutbound(_ id: Netmap.NodeID, name: String, _ tools: EncodedServerTools?) {
        outbound[id] = tools
        list(id, name: name)
    }

    /// Forgets peer `id`, listed under `name`.
    mutating func remove(_ id: Netmap.NodeID, name: String) {
        inbound[id] = nil
        outbound[id] = nil
        list(id, name: name)
    }

    /// Lists `id` under `name` with its current entries if it has one either way, and
    /// unlists it otherwise.
    private mutating func list(_ id: Netmap.NodeID, name: String) {
        let listing = Listing(name: name, id: id, inbound: inbound[id], outbound: outbound[id])
        let listed = listing.inbound != nil || listing.outbound != nil
        let i = position(of: name)
        let present = i < peers.count && peers[i].id == id
        if listed, present {
            peers[i] = listing
        } else if listed {
            peers.insert(listing, at: i)
        } else if present {
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
