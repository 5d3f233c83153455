import MeshWire
import Policy

/// Per-node views: computed from the policy's views of one node, kept per node, and patched
/// when one of its peers changes.
extension NetmapBuilder {
    /// The view of `node` computed from the policy (its grants, then the other side of
    /// each): proportional to its peers, not to the mesh.
    func computeView(of node: MeshNode) -> NodeView {
        guard !node.expired else { return NodeView() }
        return NodeView(inbound: entries(policy.inboundAccess(to: node.name)),
                        outbound: entries(policy.outboundAccess(from: node.name)))
    }

    /// A policy view as view entries, keyed by peer id.
    func entries(_ view: [PeerAccess]) -> [(NodeView.PeerRef, Netmap.ServerTools)] {
        view.compactMap { access in
            idsByName[access.peer].map { (NodeView.PeerRef(name: access.peer, id: $0), Self.serverTools(access)) }
        }
    }

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
