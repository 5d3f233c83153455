import Foundation
import Registry

/// A registered node as `nodes list` shows it.
public struct NodeListing: Hashable, Sendable {
    public var node: RegisteredNode
    /// Whether the node has a live session with the coordinator (reported by the control
    /// service through `setOnline`).
    public var online: Bool
    /// Whether the node is expired now (by an admin, or its key expiry passed).
    public var expired: Bool
}

/// The admin's node commands: `nodes list | tag | expire | remove`.
extension CoordinatorState {
    /// Every registered node, sorted by name.
    public func listNodes() -> [NodeListing] {
        let now = clock()
        return nodes.values.sorted { $0.name < $1.name }.map { node in
            NodeListing(node: node, online: online.contains(node.id), expired: node.isExpired(at: now))
        }
    }

    /// Replaces the tags of the node named `name`. Every tag must be declared in the live
    /// policy. Announces the node and its peers before and after.
    public func tagNode(named name: String, tags: [String], actor: String) throws(CoordinatorError) -> RegisteredNode {
        let node = try requireNode(named: name)
        try requireDeclared(tags)
        let updated = try withRegistry { () throws(RegistryError) in
            try registry.setTags(tags, ofNode: node.id, actor: actor, now: clock())
        }
        let affected = replaceNode(named: name, with: updated)
        logger.notice("node tagged", metadata: ["node": "\(name)", "before": "\(node.tags)", "after": "\(updated.tags)", "actor": "\(actor)"])
        announce(NodesChanged(cause: .nodeTagged(name), affected: affected))
        return updated
    }

    /// Expires the node named `name` at once: it drops out of every netmap until it joins
    /// again.
    public func expireNode(named name: String, actor: String) throws(CoordinatorError) -> RegisteredNode {
        let node = try requireNode(named: name)
        let updated = try withRegistry { () throws(RegistryError) in
            try registry.expireNode(node.id, actor: actor, now: clock())
        }
        let affected = replaceNode(named: name, with: updated)
        logger.notice("node expired by admin", metadata: ["node": "\(name)", "actor": "\(actor)"])
        announce(NodesChanged(cause: .nodeExpired(name), affected: affected))
        return updated
    }

    /// Removes the node named `name` from the registry; it disappears from every netmap.
    public func removeNode(named name: String, actor: String) throws(CoordinatorError) -> RegisteredNode {
        let node = try requireNode(named: name)
        let removed = try withRegistry { () throws(RegistryError) in
            try registry.removeNode(node.id, actor: actor, now: clock())
        }
        let affected = replaceNode(named: name, with: nil)
        logger.notice("node removed", metadata: ["node": "\(name)", "key": "\(removed.publicKey)", "actor": "\(actor)"])
        announce(NodesChanged(cause: .nodeRemoved(name), affected: affected, removed: [removed]))
        return removed
    }

    /// Throws `undeclaredTags` unless the live policy declares every tag in `tags`.
    func requireDeclared(_ tags: [String]) throws(CoordinatorError) {
        let declared = Set(policy.file.tags.map(\.value))
        let missing = Set(tags).subtracting(declared).sorted()
        guard missing.isEmpty else { throw .undeclaredTags(missing, policyVersion: policyVersion) }
    }
}
