import Registry

/// One change to what some nodes may see: the notification the control service turns into
/// netmap pushes. `affected` names exactly the nodes whose netmap (peers, keys, endpoints,
/// inbound rules or outbound access) may differ after the change; `removed` lists nodes that
/// no longer exist at all (close their sessions; they appear in no netmap any more).
public struct NodesChanged: Hashable, Sendable, CustomStringConvertible {
    /// What happened.
    public enum Cause: Hashable, Sendable, CustomStringConvertible {
        /// A new policy version became live (`policy set` or `policy rollback`).
        case policy(version: Int64)
        /// An admin changed a node's tags.
        case nodeTagged(String)
        /// An admin expired a node.
        case nodeExpired(String)
        /// An admin removed a node.
        case nodeRemoved(String)
        /// A node registered with a join key.
        case nodeRegistered(String)
        /// A node's endpoints or published servers changed.
        case nodeUpdated(String)
        /// A node rotated its identity key.
        case nodeKeyRotated(String)
        /// Node keys reached their expiry.
        case keysExpired([String])
        /// Ephemeral nodes were removed after going away.
        case ephemeralRemoved([String])

        public var description: String {
            switch self {
            case .policy(let version): return "policy version \(version)"
            case .nodeTagged(let name): return "node \(name) tagged"
            case .nodeExpired(let name): return "node \(name) expired"
            case .nodeRemoved(let name): return "node \(name) removed"
            case .nodeRegistered(let name): return "node \(name) registered"
            case .nodeUpdated(let name): return "node \(name) updated"
            case .nodeKeyRotated(let name): return "node \(name) rotated its key"
            case .keysExpired(let names): return "keys expired: \(names.joined(separator: ", "))"
            case .ephemeralRemoved(let names): return "ephemeral nodes removed: \(names.joined(separator: ", "))"
            }
        }
    }

    public var cause: Cause
    /// Names of the existing nodes whose netmaps must be rebuilt and pushed.
    public var affected: Set<String>
    /// Nodes removed from the registry, as they were.
    public var removed: [RegisteredNode]

    public init(cause: Cause, affected: Set<String>, removed: [RegisteredNode] = []) {
        self.cause = cause
        self.affected = affected
        self.removed = removed
    }

    /// True when no netmap needs to change.
    public var isEmpty: Bool { affected.isEmpty && removed.isEmpty }

    public var description: String {
        "\(cause): \(affected.count) netmaps to push" + (removed.isEmpty ? "" : ", \(removed.count) removed")
    }
}
