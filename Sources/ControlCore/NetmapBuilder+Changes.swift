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

    /// A new policy is in force (already validated and tested). Returns exactly the nodes
    /// whose access to or from some peer changes.
    ///
    /// Only members of grants whose effect changed can be affected (as in
    /// `CompiledPolicy.nodesAffected(since:)`); of each such grant only the smaller side's
    /// views are recomputed (`PolicyEditHubs`), and every peer whose entry in them changed
    /// is patched and returned. A member of a changed grant that publishes none of its
    /// servers, say, keeps its netmap.
    public mutating func policyReplaced(_ file: PolicyFile, version: UInt64) -> Set<Netmap.NodeID> {
        let oldPolicy = policySnapshot ?? PolicyEditHubs.Snapshot(policy.file)
        let newPolicy = PolicyEditHubs.Snapshot(file)
        policySnapshot = newPolicy
        let hubs = PolicyEditHubs.hubs(from: oldPolicy, to: newPolicy, nodes: policy.nodes).compactMap { name in
            idsByName[name].flatMap { id in nodes[id].map { (id: id, node: $0) } }
        }.filter { !$0.node.expired }
        let before = hubs.map { views[$0.id] ?? computeView(of: $0.node) }
        policy = CompiledPolicy(file, nodes: policy.nodes)
        policyVersion = version
        var affected: Set<Netmap.NodeID> = []
        for (hub, old) in zip(hubs, before) {
            let new = computeView(of: hub.node)
            guard new != old else { continue }
            affected.insert(hub.id)
            views[hub.id] = new
            for peer in old.peerIDs.union(new.peerIDs)
            where old.inbound[peer] != new.inbound[peer] || old.outbound[peer] != new.outbound[peer] {
                affected.insert(peer)
                // What the peer may use on the hub is the hub's inbound for it, and vice versa.
                views[peer]?.setInbound(hub.id, name: hub.node.name, new.outbound[peer])
                views[peer]?.setOutbound(hub.id, name: hub.node.name, new.inbound[peer])
            }
        }
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
    /// - a change the policy sees (join, removal, expiry, name, tags, servers) affects its
    ///   peers before and after (each lists its name, tags and servers), and the node itself
    ///   unless only its servers changed and that changed none of its access;
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
            var oldView: NodeView?
            if let old, !old.expired {
                oldView = views[id] ?? computeView(of: old)
                affected.formUnion(oldView?.peerIDs ?? [])
            }
            if let old { policy.removeNode(named: old.name) }
            if let new { policy.upsert(new.policyNode) }
            store(old: old, new: new)
            var view: NodeView?
            if let new, !new.expired {
                let fresh = computeView(of: new)
                view = fresh
                affected.formUnion(fresh.peerIDs)
                // Its own netmap changes if it is new to netmaps, its view changed, or a
                // field of its own entry did (servers and endpoints are not in it).
                let ownNetmapSame = old.map { old in
                    oldView == fresh && old.name == new.name && old.tags == new.tags
                        && old.key == new.key && old.keyExpiry == new.keyExpiry
                } ?? false
                if !ownNetmapSame { affected.insert(id) }
            }
            views[id] = view
            let oldName = (old?.expired ?? true) ? nil : old?.name
            patchPeers(affected, of: id, oldName: oldName, newName: new?.name ?? "", view: view)
        } else if let old, let new, !new.expired {
            if old.key != new.key || old.keyExpiry != new.keyExpiry { affected.insert(id) }
            if old.key != new.key || old.endpoints != new.endpoints || old.online != new.online
                || old.lastSeen != new.lastSeen {
                affected.formUnion(peers(of: id))
            }
            store(old: old, new: new)
        } else {
            store(old: old, new: new)
        }
        return affected
    }

    /// Updates the indexes for a node going from `old` to `new`.
    private mutating func store(old: MeshNode?, new: MeshNode?) {
        if let old {
            idsByName[old.name] = nil
            idsByKey[old.key] = nil
            nodes[old.id] = nil
            peerRecords[old.id] = nil
        }
        if let new {
            idsByName[new.name] = new.id
            idsByKey[new.key] = new.id
            nodes[new.id] = new
            peerRecords[new.id] = PeerRecord(new)
        } else if let old {
            issued[old.id] = nil
            views[old.id] = nil
        }
    }
}
