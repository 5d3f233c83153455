import MeshCrypto
import MeshWire
import Policy

/// Building, encoding and signing one node's netmap.
extension NetmapBuilder {
    /// Builds, encodes once and signs the netmap for `id`, stamped `now`, with the next
    /// version after the last one issued to that node.
    public mutating func build(for id: Netmap.NodeID, now: Netmap.Time) throws(ControlError) -> SignedNetmap {
        try build(for: id, now: now, version: lastVersion(of: id) &+ 1)
    }

    /// Builds the netmap for `id` with an explicit `version` (for a coordinator that takes
    /// versions from its registry first); it must be above the last one issued.
    public mutating func build(for id: Netmap.NodeID, now: Netmap.Time, version: UInt64) throws(ControlError) -> SignedNetmap {
        let last = lastVersion(of: id)
        guard version > last else { throw .versionNotIncreasing(id, version: version, last: last) }
        guard let node = nodes[id] else { throw .unknownNode(id) }
        guard !node.expired else { throw .nodeExpired(id, name: node.name) }
        let view = views[id] ?? computeView(of: node)
        views[id] = view
        var netmap = content(of: node, view: view)
        netmap.version = version
        netmap.issuedAt = now
        netmap.expiresAt = now + configuration.lifetime
        let encodedPeers = netmap.peers.map { peerJSON[$0.id] ?? $0.jsonBytes() }
        let signed = SignedNetmap.seal(netmap, encodedPeers: encodedPeers, signer: signer)
        issued[id] = Issued(version: version, expiresAt: netmap.expiresAt)
        return signed
    }

    /// The netmap `id` should have now, with version 0 and times at the epoch: what
    /// `build` stamps and signs. Two builders holding the same nodes and policy give equal
    /// contents, however they got there.
    public func content(for id: Netmap.NodeID) throws(ControlError) -> Netmap {
        guard let node = nodes[id] else { throw .unknownNode(id) }
        guard !node.expired else { throw .nodeExpired(id, name: node.name) }
        return content(of: node, view: views[id] ?? computeView(of: node))
    }

    /// Assembles a netmap from a node's view and the current peer entries.
    private func content(of node: MeshNode, view: NodeView) -> Netmap {
        var peers: [Netmap.Peer] = []
        peers.reserveCapacity(view.peers.count)
        var inbound: [IdentityPublicKey: Netmap.ServerTools] = [:]
        inbound.reserveCapacity(view.inbound.count)
        var outbound: [IdentityPublicKey: Netmap.ServerTools] = [:]
        outbound.reserveCapacity(view.outbound.count)
        for ref in view.peers {
            guard let peer = peerEntries[ref.id] else { continue }
            peers.append(peer)
            if let tools = view.inbound[ref.id] { inbound[peer.key] = tools }
            if let tools = view.outbound[ref.id] { outbound[peer.key] = tools }
        }
        let epoch = Netmap.Time(unixMilliseconds: 0)
        return Netmap(version: 0, issuedAt: epoch, expiresAt: epoch, node: node.selfEntry,
                      coordinator: Netmap.Coordinator(key: signer.publicKey, endpoints: configuration.coordinatorEndpoints),
                      policyVersion: policyVersion, peers: peers, inbound: inbound, outbound: outbound)
    }
}
