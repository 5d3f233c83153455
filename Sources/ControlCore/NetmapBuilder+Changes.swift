import MeshCrypto
import MeshWire
import Policy

/// Changes to the mesh. Each returns the ids of the nodes whose netmap must be rebuilt
/// (never an expired or removed node), and does work proportional to those nodes.
extension NetmapBuilder {
    /// A new node joined. Its netmap and those of its peers must be built.
    public mutating func nodeJoined(_ node: MeshNode) throws(ControlError) -> Set<Netmap.NodeID> {
        if let old = nodes[node.id] { throw .nodeAlreadyJoined(node.id, name: old.name) }
        return try apply(old: nil, new: node)
    }

    /// A node changed in any way (a key rotation, a rename, several fields at once); the
    /// narrower calls below say the same for one field.
    public mutating func nodeUpdated(_ node: MeshNode) throws(ControlError) -> Set<Netmap.NodeID> {
        guard let old = nodes[node.id] else { throw .unknownNode(node.id) }
        return try apply(old: old, new: node)
    }

    /// A node was removed: it disappears from every netmap it was in.
    public mutating func nodeRemoved(_ id: Netmap.NodeID) throws(ControlError) -> Set<Netmap.NodeID> {
        guard let old = nodes[id] else { throw .unknownNode(id) }
        return try apply(old: old, new: nil)
    }

    /// A node expired (an admin expired it, or its key expiry passed): it gets no netmap
    /// and disappears from every netmap it was in.
    public mutating func nodeExpired(_ id: Netmap.NodeID) throws(ControlError) -> Set<Netmap.NodeID> {
        try change(id) { $0.expired = true }
    }

    /// A node's tags changed.
    public mutating func tagsChanged(_ id: Netmap.NodeID, to tags: Set<String>) throws(ControlError) -> Set<Netmap.NodeID> {
        try change(id) { $0.tags = tags }
    }

    /// The MCP servers a node publishes changed.
    public mutating func serversChanged(_ id: Netmap.NodeID, to servers: Set<String>) throws(ControlError) -> Set<Netmap.NodeID> {
        try change(id) { $0.servers = servers }
    }

    /// A node's endpoints changed (it moved, or the coordinator saw a new public address).
    public mutating func endpointsChanged(_ id: Netmap.NodeID, to endpoints: [HostPort]) throws(ControlError) -> Set<Netmap.NodeID> {
        try change(id) { $0.endpoints = endpoints }
    }

    /// A node came online or went offline.
    public mutating func presenceChanged(_ id: Netmap.NodeID, online: Bool, lastSeen: Netmap.Time) throws(ControlError) -> Set<Netmap.NodeID> {
        try change(id) {
            $0.online = online
            $0.lastSeen = lastSeen
        }
    }

    /// Marks every current node whose key expiry is at or before `now` as expired.
    /// Scans all nodes (a cheap comparison each); call it on a timer.
    public mutating func expireKeys(asOf now: Netmap.Time) -> Set<Netmap.NodeID> {
        var affected: Set<Netmap.NodeID> = []
        let due = nodes.values.filter { !$0.expired && $0.keyExpiry <= now }.map(\.id)
        for id in due {
            if let more = try? nodeExpired(id) { affected.formUnion(more) }
        }
        return affected
    }

    /// A new policy is in force (already validated and tested): only members of grants
    /// whose effect changed are affected, and only those that have not expired.
    public mutating func policyReplaced(_ file: PolicyFile, version: UInt64) -> Set<Netmap.NodeID> {
        let replacement = CompiledPolicy(file, nodes: policy.nodes)
        let names = replacement.nodesAffected(since: policy)
        policy = replacement
        policyVersion = version
        var affected: Set<Netmap.NodeID> = []
        for name in names {
            guard let id = idsByName[name], let node = nodes[id], !node.expired else { continue }
            affected.insert(id)
        }
        for id in affected { peerCache[id] = nil }
        return affected
    }

    // MARK: - The one place nodes change

    private mutating func change(_ id: Netmap.NodeID, _ body: (inout MeshNode) -> Void) throws(ControlError) -> Set<Netmap.NodeID> {
        guard let old = nodes[id] else { throw .unknownNode(id) }
        var new = old
        body(&new)
        return try apply(old: old, new: new)
    }

    /// Replaces `old` by `new` (nil: absent) and returns the affected live nodes:
    ///
    /// - a change the policy sees (join, removal, expiry, name, tags, servers) affects the
    ///   node itself and its peers before and after;
    /// - a new key affects the node and its peers; a new key expiry only the node;
    /// - new endpoints or presence affect only its peers (a netmap does not list its own).
    private mutating func apply(old: MeshNode?, new: MeshNode?) throws(ControlError) -> Set<Netmap.NodeID> {
        guard let id = old?.id ?? new?.id else { return [] }
        if let new {
            if let other = idsByName[new.name], other != id { throw .nameTaken(new.name, by: other) }
            if let other = idsByKey[new.key], other != id { throw .keyTaken(new.key, by: other) }
        }
        var affected: Set<Netmap.NodeID> = []
        let policyChange: Bool
        switch (old, new) {
        case (nil, nil): return []
        case (.some(let o), .some(let n)): policyChange = o.policyDiffers(from: n)
        case (nil, .some), (.some, nil): policyChange = true
        }
        if policyChange {
            if let old, !old.expired { affected.formUnion(peers(of: id)) }
            if let old { policy.removeNode(named: old.name) }
            if let new { policy.upsert(new.policyNode) }
        } else if let old, let new, !new.expired {
            if old.key != new.key || old.keyExpiry != new.keyExpiry { affected.insert(id) }
            if old.key != new.key || old.endpoints != new.endpoints || old.online != new.online
                || old.lastSeen != new.lastSeen {
                affected.formUnion(peers(of: id))
            }
        }
        store(old: old, new: new)
        var fresh: Set<Netmap.NodeID>?
        if policyChange, let new, !new.expired {
            let peers = computePeers(of: new)
            affected.formUnion(peers)
            affected.insert(id)
            fresh = peers
        }
        for node in affected { peerCache[node] = nil }
        peerCache[id] = fresh
        return affected
    }

    /// Updates the indexes for a node going from `old` to `new`.
    private mutating func store(old: MeshNode?, new: MeshNode?) {
        if let old {
            idsByName[old.name] = nil
            idsByKey[old.key] = nil
            nodes[old.id] = nil
            peerEntries[old.id] = nil
        }
        if let new {
            idsByName[new.name] = new.id
            idsByKey[new.key] = new.id
            nodes[new.id] = new
            peerEntries[new.id] = new.peerEntry
        } else if let old {
            issued[old.id] = nil
            peerCache[old.id] = nil
        }
    }

    /// The peers of `id`: cached, or computed from the policy's views of that one node.
    mutating func peers(of id: Netmap.NodeID) -> Set<Netmap.NodeID> {
        if let cached = peerCache[id] { return cached }
        guard let node = nodes[id], !node.expired else { return [] }
        let peers = computePeers(of: node)
        peerCache[id] = peers
        return peers
    }

    private func computePeers(of node: MeshNode) -> Set<Netmap.NodeID> {
        Set(policy.peers(of: node.name).compactMap { idsByName[$0] })
    }
}
