import MeshWire
import Policy

/// Per-node views: computed from the policy's views of one node, kept per node, and patched
/// when one of its peers changes.
extension NetmapBuilder {
    /// What computing a view reads.
    var viewSource: ViewSource { ViewSource(policy: policy, idsByName: idsByName) }

    /// The view of `node` computed from the policy.
    func computeView(of node: MeshNode) -> NodeView { viewSource.view(of: node) }

    /// The cached view of `id`, or a fresh one (nil for an unknown or expired node).
    func view(of id: Netmap.NodeID) -> NodeView? {
        guard let node = nodes[id], !node.expired else { return nil }
        return views[id] ?? computeView(of: node)
    }

    /// The peers of `id`, caching its view.
    mutating func peers(of id: Netmap.NodeID) -> Set<Netmap.NodeID> {
        guard let node = nodes[id], !node.expired else { return [] }
        if let cached = views[id] { return cached.peerIDs }
        let view = computeView(of: node)
        views[id] = view
        return view.peerIDs
    }

    /// After node `id` changed from `oldName` (nil: it was absent or expired) to `view`
    /// (nil: it is now absent or expired) under `newName`, rewrites its entry in the cached
    /// view of each of `peers`, so that they stay what `computeView` would give.
    mutating func patchPeers(_ peers: Set<Netmap.NodeID>, of id: Netmap.NodeID, oldName: String?,
                             newName: String, view: NodeView?) {
        for peer in peers where peer != id && views[peer] != nil {
            if let oldName { views[peer]?.remove(id, name: oldName) }
            if let view {
                // What the peer may use here is this node's inbound for it, and vice versa.
                views[peer]?.setInbound(id, name: newName, view.outbound[peer])
                views[peer]?.setOutbound(id, name: newName, view.inbound[peer])
            }
        }
    }

    static func serverTools(_ access: PeerAccess) -> Netmap.ServerTools {
        var servers: Netmap.ServerTools = [:]
        for server in access.servers { servers[server.server] = server.tools.patterns }
        return servers
    }
}

/// What computing a node's view reads: the policy and the nodes' ids by name. Values only,
/// so views can be computed on several threads (`build(for:now:versions:)` computes the
/// missing ones while it seals).
struct ViewSource: Sendable {
    let policy: CompiledPolicy
    let idsByName: [String: Netmap.NodeID]

    /// The view of `node` computed from the policy (its grants, then the other side of
    /// each): proportional to its peers, not to the mesh.
    func view(of node: MeshNode) -> NodeView {
        guard !node.expired else { return NodeView() }
        var shared: [[ServerAccess]: EncodedServerTools] = [:]
        return NodeView(inbound: entries(policy.inboundAccess(to: node.name), sharing: &shared),
                        outbound: entries(policy.outboundAccess(from: node.name), sharing: &shared))
    }

    /// A policy view as view entries, keyed by peer id. Peers with the same access share one
    /// `EncodedServerTools` (most of a tag's members get the same access through a grant),
    /// so its JSON is written once per distinct access rather than once per peer.
    private func entries(_ view: [PeerAccess], sharing shared: inout [[ServerAccess]: EncodedServerTools])
        -> [(NodeView.PeerRef, EncodedServerTools)] {
        view.compactMap { access in
            guard let id = idsByName[access.peer] else { return nil }
            let tools: EncodedServerTools
            if let known = shared[access.servers] {
                tools = known
            } else {
                tools = EncodedServerTools(NetmapBuilder.serverTools(access))
                shared[access.servers] = tools
            }
            return (NodeView.PeerRef(name: access.peer, id: id), tools)
        }
    }
}
