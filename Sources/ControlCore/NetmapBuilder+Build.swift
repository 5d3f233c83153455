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
        var netmap = try content(for: id)
        netmap.version = version
        netmap.issuedAt = now
        netmap.expiresAt = now + configuration.lifetime
        let signed = try SignedNetmap.seal(netmap, signer: signer)
        issued[id] = Issued(version: version, expiresAt: netmap.expiresAt)
        peerCache[id] = Set(netmap.peers.map(\.id))
        return signed
    }

    /// The netmap `id` should have now, with version 0 and times at the epoch: what
    /// `build` stamps and signs. Two builders holding the same nodes and policy give equal
    /// contents, however they got there.
    public func content(for id: Netmap.NodeID) throws(ControlError) -> Netmap {
        guard let node = nodes[id] else { throw .unknownNode(id) }
        guard !node.expired else { throw .nodeExpired(id, name: node.name) }
        let inbound = policy.inboundAccess(to: node.name)
        let outbound = policy.outboundAccess(from: node.name)
        var peerIDs: [String: Netmap.NodeID] = [:]
        var inboundByKey: [IdentityPublicKey: Netmap.ServerTools] = [:]
        var outboundByKey: [IdentityPublicKey: Netmap.ServerTools] = [:]
        collect(inbound, into: &inboundByKey, peers: &peerIDs)
        collect(outbound, into: &outboundByKey, peers: &peerIDs)
        let peers = peerIDs.keys.sorted().compactMap { peerIDs[$0].flatMap { peerEntries[$0] } }
        return Netmap(version: 0, issuedAt: Netmap.Time(unixMilliseconds: 0), expiresAt: Netmap.Time(unixMilliseconds: 0),
                      node: node.selfEntry,
                      coordinator: Netmap.Coordinator(key: signer.publicKey, endpoints: configuration.coordinatorEndpoints),
                      policyVersion: policyVersion, peers: peers, inbound: inboundByKey, outbound: outboundByKey)
    }

    /// Turns a policy view keyed by peer name into one keyed by peer identity key.
    private func collect(_ view: [PeerAccess], into byKey: inout [IdentityPublicKey: Netmap.ServerTools],
                         peers: inout [String: Netmap.NodeID]) {
        for access in view {
            guard let peerID = idsByName[access.peer], let peer = nodes[peerID] else { continue }
            peers[access.peer] = peerID
            var servers: Netmap.ServerTools = [:]
            for server in access.servers { servers[server.server] = server.tools.patterns }
            byKey[peer.key] = servers
        }
    }
}
