import Foundation
import Policy
import Registry

/// A consistent view for building netmaps: the live policy (compiled over the current
/// directory) and every registered node's record (keys, endpoints, servers).
public struct CoordinatorSnapshot: Sendable {
    public var policy: CompiledPolicy
    /// The live policy's stored version; nil for the built-in empty policy.
    public var policyVersion: Int64?
    public var nodes: [String: RegisteredNode]
    public var online: Set<RegisteredNode.ID>
}

/// The node-side writes, for the control service. Each one updates the registry and the live
/// directory together and announces the nodes whose netmaps change.
extension CoordinatorState {
    /// The live policy and nodes, as one consistent value.
    public func snapshot() -> CoordinatorSnapshot {
        refreshExpiries()
        return CoordinatorSnapshot(policy: policy, policyVersion: policyVersion, nodes: nodes, online: online)
    }

    /// Registers a node with a join key (see `Registry.registerNode`) and announces it and
    /// its new peers.
    public func registerNode(_ registration: NodeRegistration,
                             joinKeySecretHash: String) throws(CoordinatorError) -> RegisteredNode {
        let node = try withRegistry { () throws(RegistryError) in
            try registry.registerNode(registration, joinKeySecretHash: joinKeySecretHash, now: clock())
        }
        let affected = replaceNode(named: node.name, with: node)
        logger.notice("node registered", metadata: [
            "node": "\(node.name)", "id": "\(node.id)", "key": "\(node.publicKey)", "tags": "\(node.tags)",
            "join_key": "\(node.joinKeyID ?? "-")",
        ])
        announce(NodesChanged(cause: .nodeRegistered(node.name), affected: affected))
        return node
    }

    /// Records that a node was seen, with its current endpoints and servers if known; when
    /// they changed, announces the node's peers (and the node, whose inbound rules follow its
    /// servers).
    @discardableResult
    public func recordNodeSeen(_ id: RegisteredNode.ID, endpoints: [String]? = nil,
                               servers: [String]? = nil) throws(CoordinatorError) -> NodeStatusUpdate {
        let update = try withRegistry { () throws(RegistryError) in
            try registry.recordNodeSeen(id, at: clock(), endpoints: endpoints, servers: servers)
        }
        guard update.peersAffected else {
            // A heartbeat: nothing any netmap shows has changed.
            nodes[update.node.name] = update.node
            return update
        }
        let affected = replaceNode(named: update.node.name, with: update.node)
        announce(NodesChanged(cause: .nodeUpdated(update.node.name), affected: affected))
        return update
    }

    /// Replaces a node's identity key (the caller checked the old key's signature).
    public func rotateNodeKey(_ id: RegisteredNode.ID, newPublicKey: String,
                              keyExpiry: Date) throws(CoordinatorError) -> RegisteredNode {
        let node = try withRegistry { () throws(RegistryError) in
            try registry.rotateNodeKey(id, newPublicKey: newPublicKey, keyExpiry: keyExpiry, now: clock())
        }
        let affected = replaceNode(named: node.name, with: node)
        logger.notice("node key rotated", metadata: ["node": "\(node.name)", "key": "\(node.publicKey)"])
        announce(NodesChanged(cause: .nodeKeyRotated(node.name), affected: affected))
        return node
    }

    /// Records whether a node has a live session with the coordinator (for `nodes list` and
    /// the `nodes_online` metric).
    public func setOnline(_ id: RegisteredNode.ID, _ isOnline: Bool) {
        if isOnline { online.insert(id) } else { online.remove(id) }
        metrics?.nodesOnline.set(to: Double(online.count))
    }

    /// Removes ephemeral nodes last seen before `cutoff` and announces their peers.
    @discardableResult
    public func removeEphemeralNodes(lastSeenBefore cutoff: Date) throws(CoordinatorError) -> [RegisteredNode] {
        let removed = try withRegistry { () throws(RegistryError) in
            try registry.removeEphemeralNodes(lastSeenBefore: cutoff, now: clock())
        }
        guard !removed.isEmpty else { return [] }
        var affected: Set<String> = []
        for node in removed { affected.formUnion(replaceNode(named: node.name, with: nil)) }
        affected.subtract(removed.map(\.name))
        announce(NodesChanged(cause: .ephemeralRemoved(removed.map(\.name)), affected: affected, removed: removed))
        return removed
    }

    /// Marks nodes whose key expiry has passed as expired in the live directory and
    /// announces their former peers. Called by the housekeeping service and before every
    /// answer that depends on expiry.
    public func refreshExpiries() {
        let now = clock()
        var expired: [String] = []
        var affected: Set<String> = []
        for node in nodes.values where node.isExpired(at: now) && policy.nodes[node.name]?.expired == false {
            expired.append(node.name)
            affected.formUnion(replaceNode(named: node.name, with: node))
        }
        guard !expired.isEmpty else { return }
        announce(NodesChanged(cause: .keysExpired(expired.sorted()), affected: affected))
    }
}
